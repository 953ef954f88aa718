using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

using static Pgway.Vip.LinkSockets;

namespace Pgway.Vip;

/// <summary>
/// Adds and removes one interface address with the kernel's routing socket (rtnetlink <c>RTM_NEWADDR</c> and
/// <c>RTM_DELADDR</c>, the requests <c>ip addr add|del</c> sends), answered with the kernel's error number. In process
/// rather than by starting <c>ip</c>: on a loaded host, starting a process cost a VIP move tens of milliseconds.
/// </summary>
internal static class RtNetlink
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkRoute = 0;
    private const ushort RtmNewAddr = 20;
    private const ushort RtmDelAddr = 21;
    private const ushort NlmsgError = 2;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFAck = 0x4;
    private const ushort NlmFExcl = 0x200;
    private const ushort NlmFCreate = 0x400;
    private const ushort IfaAddress = 1;
    private const ushort IfaLocal = 2;
    private const byte IfaFNodad = 0x02;
    private const int Etimedout = 110;
    private const int HeaderLength = 16;
    private const int IfAddrMsgLength = 8;

    /// <summary>
    /// Adds (<paramref name="add"/>) or removes <paramref name="address"/>/<paramref name="prefixLength"/> on the
    /// interface <paramref name="interfaceIndex"/>; returns 0 when the kernel did it, else its error number (an add of an
    /// address present answers EEXIST, a removal of one absent EADDRNOTAVAIL, a missing capability EPERM).
    /// </summary>
    /// <param name="noDad">IPv6: answer at once rather than after duplicate address detection (<c>nodad</c>).</param>
    public static unsafe int ChangeAddress(bool add, IPAddress address, int prefixLength, int interfaceIndex, bool noDad, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(address);
        var sequence = Random.Shared.Next(1, int.MaxValue);
        var request = Request(add, address, prefixLength, interfaceIndex, noDad, sequence);
        var fd = Socket(AfNetlink, SockRaw | SockCloexec, NetlinkRoute);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }
        try
        {
            // struct sockaddr_nl addressed to the kernel: family, padding, port id 0, no groups.
            Span<byte> kernel = stackalloc byte[12];
            kernel.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(kernel, AfNetlink);
            fixed (byte* data = request)
            fixed (byte* to = kernel)
            {
                if (SendTo(fd, data, (nuint)request.Length, 0, to, (uint)kernel.Length) < 0)
                {
                    return Marshal.GetLastPInvokeError();
                }
            }
            return AwaitAnswer(fd, sequence, timeout);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    internal static byte[] Request(bool add, IPAddress address, int prefixLength, int interfaceIndex, bool noDad, int sequence)
    {
        var bytes = address.GetAddressBytes();
        var attributeLength = Align(4 + bytes.Length);
        var request = new byte[HeaderLength + IfAddrMsgLength + (2 * attributeLength)];
        var span = request.AsSpan();
        // struct nlmsghdr: length, type, flags, sequence, port id (0: the kernel fills ours in).
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)request.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], add ? RtmNewAddr : RtmDelAddr);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)(NlmFRequest | NlmFAck | (add ? NlmFCreate | NlmFExcl : 0)));
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], sequence);
        // struct ifaddrmsg: family, prefix length, flags, scope (universe), interface index.
        span[16] = (byte)(address.AddressFamily == AddressFamily.InterNetworkV6 ? 10 : 2);
        span[17] = (byte)prefixLength;
        span[18] = noDad && address.AddressFamily == AddressFamily.InterNetworkV6 ? IfaFNodad : (byte)0;
        span[19] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], interfaceIndex);
        // IFA_LOCAL and IFA_ADDRESS both the address, as ip sets them for an address without a peer.
        var offset = HeaderLength + IfAddrMsgLength;
        foreach (var type in new[] { IfaLocal, IfaAddress })
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[offset..], (ushort)(4 + bytes.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(span[(offset + 2)..], type);
            bytes.CopyTo(span[(offset + 4)..]);
            offset += attributeLength;
        }
        return request;
    }

    // The kernel answers a request with NLM_F_ACK by an NLMSG_ERROR carrying 0 or a negated error number.
    private static unsafe int AwaitAnswer(int fd, int sequence, TimeSpan timeout)
    {
        var buffer = new byte[8192];
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return Etimedout;
            }
            var poll = new PollFd { Fd = fd, Events = PollIn };
            if (Poll(&poll, 1, (int)left) <= 0)
            {
                continue;
            }
            nint length;
            fixed (byte* data = buffer)
            {
                length = Recv(fd, data, (nuint)buffer.Length, 0);
            }
            if (length < 0)
            {
                return Marshal.GetLastPInvokeError();
            }
            if (Answer(buffer.AsSpan(0, (int)length), sequence) is { } error)
            {
                return error;
            }
        }
    }

    internal static int? Answer(ReadOnlySpan<byte> received, int sequence)
    {
        while (received.Length >= HeaderLength)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(received);
            if (length < HeaderLength || length > received.Length)
            {
                return null;
            }
            var type = BinaryPrimitives.ReadUInt16LittleEndian(received[4..]);
            var seq = BinaryPrimitives.ReadInt32LittleEndian(received[8..]);
            if (type == NlmsgError && seq == sequence && length >= HeaderLength + 4)
            {
                return -BinaryPrimitives.ReadInt32LittleEndian(received[HeaderLength..]);
            }
            received = received[Math.Min(Align(length), received.Length)..];
        }
        return null;
    }

    private static int Align(int length) => (length + 3) & ~3;
}
