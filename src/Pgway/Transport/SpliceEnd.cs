namespace Pgway.Transport;

/// <summary>How a splice ended, for the session's log line and counters.</summary>
internal enum SpliceEnd
{
    /// <summary>Both sides finished sending and the streams closed in order.</summary>
    Closed,

    /// <summary>One side reset or failed; the other was closed with it.</summary>
    Failed,

    /// <summary>pgway closed it (a member marked down with <c>shutdown-sessions</c>, a drain, a stop).</summary>
    Stopped,
}
