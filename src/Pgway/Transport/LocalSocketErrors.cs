using System.Net.Sockets;

namespace Pgway.Transport;

/// <summary>
/// Socket errors that are this process's or this host's own shortage, not an answer from the peer:
/// out of descriptors (EMFILE, ENFILE) or of buffer memory (ENOBUFS, ENOMEM). Such a failure says
/// nothing about the member being connected to, so it must never count against it.
/// </summary>
internal static class LocalSocketErrors
{
    public static bool IsLocal(SocketError error) => error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable;

    /// <summary>The local socket error in <paramref name="e"/> or its inner exceptions, if any.</summary>
    public static SocketException? Find(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException s && IsLocal(s.SocketErrorCode))
            {
                return s;
            }
        }
        return null;
    }
}
