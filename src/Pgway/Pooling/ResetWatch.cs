using Pgway.Transport;

namespace Pgway.Pooling;

/// <summary>
/// The deadline of a server's <c>server_reset_query</c>: whichever comes first, the answer or the
/// deadline, decides. On expiry the reset's waits on the server end (on its loop), so the session
/// closes the server rather than waiting on it without end; an answer that comes after cannot make
/// the server look clean.
/// </summary>
internal sealed class ResetWatch(ILoopTransport server, EpollLoop loop)
{
    private const int Running = 0;
    private const int Done = 1;
    private const int TimedOut = 2;

    private int state;

    /// <summary>The deadline passed before the answer.</summary>
    public bool Expired => Volatile.Read(ref state) == TimedOut;

    /// <summary>The answer came: true if before the deadline.</summary>
    public bool Finish() => Interlocked.CompareExchange(ref state, Done, Running) == Running;

    /// <summary>The deadline: the waits on the server end, unless the answer came first. Any thread.</summary>
    public void Expire()
    {
        if (Interlocked.CompareExchange(ref state, TimedOut, Running) == Running)
        {
            loop.Post(server.CancelWaits);
        }
    }
}
