namespace Pgway.Routing;

/// <summary>HAProxy's <c>defaults</c> that govern a service's connections (Pigsty's values by default).</summary>
/// <param name="ConnectTimeout"><c>timeout connect</c>: how long connecting to a member may take.</param>
/// <param name="QueueTimeout"><c>timeout queue</c>: how long a client may wait for a free slot.</param>
/// <param name="Retries"><c>retries</c>: further members tried when one refuses (redispatch).</param>
/// <param name="RefusalWait">How long a refused client gets to send its start-up packet, to be answered with an error.</param>
internal sealed record ServiceListenerOptions(TimeSpan ConnectTimeout, TimeSpan QueueTimeout, int Retries, TimeSpan RefusalWait)
{
    /// <summary>
    /// How long a client may take to send its first packet (start-up, SSLRequest or CancelRequest)
    /// once connected: pgway reads it before choosing a member, so a silent client holds no
    /// member's slot. 15 s: any real client sends at once; PostgreSQL gives 60 s to the whole log-in.
    /// </summary>
    public TimeSpan StartPacketTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a member may take to answer the client's first packet (HAProxy's <c>timeout
    /// connect</c> applied to the postmaster, not only the kernel): a member that accepts TCP but
    /// says nothing in time (a stopped postmaster) is skipped for another, as a refused connect is.
    /// Null: the same as <see cref="ConnectTimeout"/>.
    /// </summary>
    public TimeSpan? FirstAnswerTimeout { get; init; }

    /// <summary>
    /// What a CancelRequest a <c>pgbouncer</c> service sends to all its members becomes first, when
    /// every node's <c>pgbouncer_port</c> is pgway's pooler: the key marked forwarded, so that the
    /// members that did not issue it drop it rather than forward it again to the one that did, which
    /// already has its copy. Null: sent as it came (PgBouncer members).
    /// </summary>
    public Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>? PgbouncerCancel { get; init; }

    /// <summary><see cref="FirstAnswerTimeout"/>, or <see cref="ConnectTimeout"/> when not set.</summary>
    public TimeSpan FirstAnswerBound => FirstAnswerTimeout ?? ConnectTimeout;

    public static readonly ServiceListenerOptions Pigsty = new(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), 3, TimeSpan.FromSeconds(2));
}
