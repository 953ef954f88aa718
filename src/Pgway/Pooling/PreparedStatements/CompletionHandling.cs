namespace Pgway.Pooling.PreparedStatements;

/// <summary>What happens to a request's completion on its way to the client.</summary>
internal enum CompletionHandling : byte
{
    /// <summary>The client's own request: its completion goes to the client.</summary>
    Forward,

    /// <summary>Sent by pgway (a Parse before a Bind, a Close of an evicted statement): the client never sees its completion.</summary>
    Skip,

    /// <summary>
    /// Sent by pgway (a Describe of a statement it just prepared on a server, for a client that holds
    /// a description of it): the answer is learned and compared, and the client never sees it.
    /// </summary>
    Learn,

    /// <summary>
    /// Sent by pgway to fail in the client's place (a Bind or Describe of a statement whose result type
    /// changed): the server's error becomes PostgreSQL's <c>0A000 cached plan must not change result type</c>,
    /// or the request's own <see cref="PendingRequest.Error"/> (a Parse over a client's limit).
    /// </summary>
    PlanChanged,

    /// <summary>
    /// Sent by pgway (a Describe right after a client's named Parse): the answer becomes the result
    /// type the client's statement keeps, as PostgreSQL fixes it at parse time; the client never sees
    /// it, and nothing waits on it.
    /// </summary>
    Record,

    /// <summary>
    /// Sent by pgway (an Execute of its settings reader in the middle of a client's batch): the row is
    /// kept as the server's settings now, and the client's next message waits for it; the client
    /// never sees it.
    /// </summary>
    Capture,
}
