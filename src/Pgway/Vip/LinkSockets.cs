using System.Runtime.InteropServices;

namespace Pgway.Vip;

/// <summary>
/// The libc socket calls the VIP's network side makes where .NET's <see cref="System.Net.Sockets.Socket"/> has no
/// address family for them: <c>AF_PACKET</c> (ARP probes and announcements) and <c>AF_NETLINK</c> (address changes).
/// </summary>
internal static partial class LinkSockets
{
    public const short PollIn = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static unsafe partial int Bind(int fd, byte* address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static unsafe partial nint SendTo(int fd, byte* buffer, nuint length, int flags, byte* address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static unsafe partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    public static unsafe partial nint RecvFrom(int fd, byte* buffer, nuint length, int flags, byte* address, uint* addressLength);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
