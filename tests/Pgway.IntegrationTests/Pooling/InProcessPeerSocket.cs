using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// pgway's own end of a test's connection, found in the test's process (the pooler runs in it): to
/// give it the least send buffer the kernel allows, so that what pgway writes to a client that stops
/// reading waits for room after a few kilobytes, not after what the kernel's tuning gives; and to see
/// that a server's reset has reached pgway's socket.
/// </summary>
internal static class InProcessPeerSocket
{
    private const int SolSocket = 1;
    private const int SoSendBuffer = 7;
    private const int InterNetwork = 2;
    private const int IpProtocolTcp = 6;
    private const int TcpInfo = 11;
    private const byte TcpClose = 7;

    /// <summary>Sets the least send buffer on the socket of this process connected from <paramref name="client"/> to <paramref name="server"/>.</summary>
    public static void LeastSendBuffer(IPEndPoint server, IPEndPoint client)
    {
        var descriptor = Find(server, client);
        var least = 1;
        Assert.True(SetSocketOption(descriptor, SolSocket, SoSendBuffer, ref least, sizeof(int)) == 0,
            $"setsockopt SO_SNDBUF on descriptor {descriptor}: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>
    /// Whether this process's socket from <paramref name="own"/> to <paramref name="peer"/> is closed (a
    /// reset received), or gone.
    /// </summary>
    public static bool Closed(IPEndPoint own, IPEndPoint peer)
    {
        if (TryFind(own, peer) is not { } descriptor)
        {
            return true;
        }
        // struct tcp_info begins with tcpi_state.
        var info = new byte[256];
        var length = info.Length;
        return GetSocketOption(descriptor, IpProtocolTcp, TcpInfo, info, ref length) == 0 && info[0] == TcpClose;
    }

    private static int Find(IPEndPoint own, IPEndPoint peer) =>
        TryFind(own, peer) ?? throw new InvalidOperationException($"no socket of this process from {own} to {peer}");

    // The socket whose own address is own and whose peer is peer.
    private static int? TryFind(IPEndPoint own, IPEndPoint peer)
    {
        (own, peer) = (AsIPv4(own), AsIPv4(peer));
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            // Any descriptor: getsockname answers only for sockets (one closed meanwhile fails it too).
            if (!int.TryParse(Path.GetFileName(entry), out var descriptor))
            {
                continue;
            }
            if (Address(descriptor, GetSocketName) is { } itsOwn && itsOwn.Equals(own)
                && Address(descriptor, GetPeerName) is { } itsPeer && itsPeer.Equals(peer))
            {
                return descriptor;
            }
        }
        return null;
    }

    private static IPEndPoint AsIPv4(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private delegate int AddressCall(int descriptor, byte[] address, ref int length);

    // An IPv4 address of a descriptor (sockaddr_in: family, port in network order, address); null for any other.
    private static IPEndPoint? Address(int descriptor, AddressCall call)
    {
        var address = new byte[128];
        var length = address.Length;
        if (call(descriptor, address, ref length) != 0 || BinaryPrimitives.ReadUInt16LittleEndian(address) != InterNetwork)
        {
            return null;
        }
        return new IPEndPoint(new IPAddress(address.AsSpan(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(address.AsSpan(2)));
    }

    [DllImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetSocketName(int descriptor, byte[] address, ref int length);

    [DllImport("libc", EntryPoint = "getpeername", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetPeerName(int descriptor, byte[] address, ref int length);

    [DllImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetSocketOption(int descriptor, int level, int name, byte[] value, ref int length);

    [DllImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetSocketOption(int descriptor, int level, int name, ref int value, int length);
}
