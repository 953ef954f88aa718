using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Pgway.Testing.Network;

namespace Pgway.Bench.Vip;

/// <summary>
/// Asks "who has VIP?" from the client namespace every probe interval and notes when each VIP first answers
/// from the expected MAC. An <c>AF_PACKET</c> socket of its own, because <c>arping</c> waits whole seconds for
/// an unanswered request (its <c>-w</c> and <c>-i</c> take integers), which would blur a VIP that moves within one.
/// </summary>
internal sealed partial class ArpProbe : IDisposable
{
    private const int AfPacket = 17;
    private const int SockDgram = 2;
    private const ushort EthPArp = 0x0806;
    private const int MsgDontWait = 0x40;
    private const short PollIn = 1;
    private const int ArpLength = 28;

    private readonly int _fd;
    private readonly int _ifindex;
    private readonly byte[] _clientMac;
    private readonly IPAddress _clientAddress;

    public ArpProbe(NetworkHost client, string clientMac)
    {
        _clientMac = ParseMac(clientMac);
        _clientAddress = client.Address;
        (_fd, _ifindex) = NetnsSocket.RunIn(client, () =>
        {
            // Created on a thread inside the client namespace: the socket belongs to it from then on.
            var fd = Socket(AfPacket, SockDgram, BinaryPrimitives.ReverseEndianness(EthPArp));
            var index = (int)IfNameToIndex(NetworkHost.Interface);
            return fd >= 0 && index > 0
                ? (fd, index)
                : throw new InvalidOperationException($"AF_PACKET socket on {NetworkHost.Interface}: errno {Marshal.GetLastPInvokeError()}");
        });
    }

    /// <summary>
    /// When, by <paramref name="clock"/>, each of <paramref name="targets"/> (VIP → expected MAC) first answered from
    /// its MAC; null for one that did not within <paramref name="timeout"/>.
    /// </summary>
    public Task<Dictionary<IPAddress, TimeSpan?>> RunAsync(IReadOnlyDictionary<IPAddress, string> targets, Stopwatch clock, TimeSpan interval, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(targets, clock, interval, timeout, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Dispose() => _ = Close(_fd);

    private Dictionary<IPAddress, TimeSpan?> Run(IReadOnlyDictionary<IPAddress, string> targets, Stopwatch clock, TimeSpan interval, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var expected = targets.ToDictionary(target => target.Key, target => ParseMac(target.Value));
        var found = targets.Keys.ToDictionary(vip => vip, _ => (TimeSpan?)null);
        var start = clock.Elapsed;
        var nextSend = TimeSpan.Zero;
        var buffer = new byte[128];
        while (found.Values.Any(time => time is null) && clock.Elapsed - start < timeout && !cancellationToken.IsCancellationRequested)
        {
            if (clock.Elapsed >= nextSend)
            {
                foreach (var vip in found.Where(entry => entry.Value is null).Select(entry => entry.Key))
                {
                    SendRequest(vip);
                }

                nextSend = clock.Elapsed + interval;
            }

            var wait = (int)Math.Max(1, (nextSend - clock.Elapsed).TotalMilliseconds);
            var poll = new PollFd { Fd = _fd, Events = PollIn };
            _ = Poll(ref poll, 1, wait);
            int read;
            while ((read = ReceiveFrom(_fd, buffer, buffer.Length, MsgDontWait, IntPtr.Zero, IntPtr.Zero)) >= ArpLength)
            {
                // An ARP reply (op 2) for IPv4 over Ethernet: sender MAC at 8, sender address at 14.
                var arp = buffer.AsSpan(0, read);
                if (BinaryPrimitives.ReadUInt16BigEndian(arp[6..]) != 2)
                {
                    continue;
                }

                var sender = new IPAddress(arp.Slice(14, 4));
                if (found.TryGetValue(sender, out var time) && time is null && arp.Slice(8, 6).SequenceEqual(expected[sender]))
                {
                    found[sender] = clock.Elapsed;
                }
            }
        }

        return found;
    }

    private void SendRequest(IPAddress vip)
    {
        // htype 1 (Ethernet), ptype IPv4, hlen 6, plen 4, op 1 (request); target MAC unknown (zero).
        Span<byte> arp = stackalloc byte[ArpLength];
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], 0x0800);
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], 1);
        _clientMac.CopyTo(arp[8..]);
        _clientAddress.GetAddressBytes().CopyTo(arp[14..]);
        vip.GetAddressBytes().CopyTo(arp[24..]);

        // sockaddr_ll: family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8] = broadcast.
        Span<byte> target = stackalloc byte[20];
        BinaryPrimitives.WriteUInt16LittleEndian(target, AfPacket);
        BinaryPrimitives.WriteUInt16BigEndian(target[2..], EthPArp);
        BinaryPrimitives.WriteInt32LittleEndian(target[4..], _ifindex);
        target[11] = 6;
        target.Slice(12, 6).Fill(0xff);
        _ = SendTo(_fd, arp, arp.Length, 0, target, target.Length);
    }

    private static byte[] ParseMac(string mac) => Convert.FromHexString(mac.Replace(":", string.Empty, StringComparison.Ordinal));

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
    private static partial uint IfNameToIndex(string name);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    private static partial int SendTo(int fd, ReadOnlySpan<byte> buffer, int length, int flags, ReadOnlySpan<byte> address, int addressLength);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    private static partial int ReceiveFrom(int fd, byte[] buffer, int length, int flags, IntPtr address, IntPtr addressLength);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, int count, int timeout);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
