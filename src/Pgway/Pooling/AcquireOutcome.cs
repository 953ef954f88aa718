namespace Pgway.Pooling;

/// <summary>How a client's request for a server ended (see <see cref="PoolAcquisition"/>).</summary>
internal enum AcquireOutcome : byte
{
    /// <summary>An idle server: attached to the client's loop, or detached for it to attach.</summary>
    Server,

    /// <summary>No server, but a slot: the client connects a new one, and gives the slot back if it cannot.</summary>
    Slot,

    /// <summary><c>query_wait_timeout</c> passed while the client waited.</summary>
    TimedOut,

    /// <summary>The wait was ended by the client's cancel request, its timeout, or pgway stopping.</summary>
    Cancelled,

    /// <summary>Logging in to the server has been failing (<c>server_login_retry</c>) and the pool has no server to wait for.</summary>
    LoginFailing,
}
