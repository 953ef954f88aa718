namespace Pgway.Pooling;

/// <summary>How a client session's request for a server ended.</summary>
internal enum ServerBorrow : byte
{
    /// <summary>A server was lent: the client holds it.</summary>
    Lent,

    /// <summary>The wait was cancelled (a cancel request): the client has no server, and its session goes on.</summary>
    Cancelled,

    /// <summary>No server, and the session ends (query_wait_timeout, log-ins failing, pgway stopping): the client has been told, if it could be.</summary>
    Ended,
}
