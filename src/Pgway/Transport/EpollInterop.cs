using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pgway.Transport;

/// <summary>The few Linux calls the epoll splice needs, straight from libc.</summary>
internal static unsafe partial class EpollInterop
{
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Error = 0x008;
    public const uint HangUp = 0x010;
    public const uint PeerHangUp = 0x2000;
    public const uint EdgeTriggered = 0x8000_0000;

    public const int CtlAdd = 1;
    public const int CtlDelete = 2;
    public const int CtlModify = 3;

    public const int CloseOnExec = 0x80000;
    public const int EventFdNonBlocking = 0x800;
    public const int NoSignal = 0x4000;

    public const int TryAgain = 11;
    public const int Interrupted = 4;

    /// <summary>
    /// struct epoll_event is packed on x86-64 (12 bytes, data at offset 4) and naturally aligned on
    /// arm64 (16 bytes, data at offset 8); the splice reads and writes it by these offsets.
    /// </summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>Linux on x86-64 or arm64, the layouts above; elsewhere the socket splice is used.</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>A Linux errno of a socket call as .NET's <see cref="System.Net.Sockets.SocketError"/>.</summary>
    public static System.Net.Sockets.SocketError ToSocketError(int errno) => errno switch
    {
        104 => System.Net.Sockets.SocketError.ConnectionReset,
        32 => System.Net.Sockets.SocketError.Shutdown,
        111 => System.Net.Sockets.SocketError.ConnectionRefused,
        110 => System.Net.Sockets.SocketError.TimedOut,
        103 => System.Net.Sockets.SocketError.ConnectionAborted,
        107 => System.Net.Sockets.SocketError.NotConnected,
        113 => System.Net.Sockets.SocketError.HostUnreachable,
        101 => System.Net.Sockets.SocketError.NetworkUnreachable,
        9 => System.Net.Sockets.SocketError.OperationAborted,
        _ => System.Net.Sockets.SocketError.SocketError,
    };

    public static uint EventsAt(byte* events, int index) => Unsafe.ReadUnaligned<uint>(events + (index * EventSize));

    public static ulong DataAt(byte* events, int index) => Unsafe.ReadUnaligned<ulong>(events + (index * EventSize) + DataOffset);

    /// <summary>epoll_ctl for one descriptor; returns 0, or -1 with the error in <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    public static int Control(int epoll, int operation, int fd, uint events, ulong data)
    {
        var ev = stackalloc byte[16];
        Unsafe.WriteUnaligned(ev, events);
        Unsafe.WriteUnaligned(ev + DataOffset, data);
        return epoll_ctl(epoll, operation, fd, ev);
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, void* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, byte* buf, nint len, int flags);

    /// <summary>how: 1 = SHUT_WR, no more sends (the peer reads an end of stream).</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int shutdown(int fd, int how);
}
