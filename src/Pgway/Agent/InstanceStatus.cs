using System.Collections.Immutable;

namespace Pgway.Agent;

/// <summary>
/// What the agent learned about its instance in one round of status queries. Positions are byte
/// offsets in the WAL (an LSN as a number), as Patroni reports them.
/// </summary>
/// <param name="WalLocation">The primary's current WAL position; null on a replica.</param>
/// <param name="ReceivedLocation">A replica's last received position (replay position when nothing was streamed).</param>
/// <param name="LatestEndLocation">The last position the WAL receiver heard the upstream report.</param>
/// <param name="UpstreamLocation">The upstream's current position, asked of the upstream itself; null when it could not be asked.</param>
/// <param name="ReplicationState"><c>streaming</c> while the WAL receiver streams, else <c>in archive recovery</c>; null on a primary.</param>
/// <param name="Error">Why the status could not be read, for logs and the GET body.</param>
/// <param name="LastKnownLeaderLocation">The highest leader position this reader has seen, kept across rounds.</param>
/// <param name="Failure">Where reading failed, for checks that report timeouts and refusals apart.</param>
/// <param name="Fence">
/// Why the instance is fenced (<see cref="FenceSetting"/> in its configuration, set by a switchover
/// that promoted another instance); null when it is not. A fenced instance that is not in recovery
/// is no primary to anyone: every pgway and every agent reads the fence from the instance itself.
/// </param>
internal sealed record InstanceStatus(
    PostgresState State,
    NodeRole Role,
    DateTimeOffset CheckedAt,
    int? ServerVersion = null,
    DateTimeOffset? PostmasterStartTime = null,
    string? SystemIdentifier = null,
    int? Timeline = null,
    long? WalLocation = null,
    long? ReceivedLocation = null,
    long? ReplayedLocation = null,
    DateTimeOffset? ReplayedTimestamp = null,
    bool ReplayPaused = false,
    long? LatestEndLocation = null,
    long? UpstreamLocation = null,
    string? ReplicationState = null,
    SyncRole SyncRole = SyncRole.None,
    ImmutableArray<ReplicationConnection> Replication = default,
    string? Error = null,
    long? LastKnownLeaderLocation = null,
    StatusFailure Failure = StatusFailure.None,
    string? Fence = null)
{
    /// <summary>The server setting that carries the fence (a custom setting, in <c>postgresql.auto.conf</c> by <c>ALTER SYSTEM</c>).</summary>
    public const string FenceSetting = "pgway.fenced";

    /// <summary>Not in recovery, yet fenced: it must not be taken for a primary (nor serve reads) until unfenced or rebuilt as a replica.</summary>
    public bool IsFencedPrimary => Fence is not null && Role == NodeRole.Primary;

    /// <summary>A status for an instance that could not be asked.</summary>
    public static InstanceStatus NotRunning(PostgresState state, DateTimeOffset checkedAt, string error, StatusFailure failure = StatusFailure.Other) =>
        new(state, NodeRole.Unknown, checkedAt, Error: error, Failure: failure);

    /// <summary>
    /// The leader's position a replica's lag is measured against: the newest of what the upstream
    /// says now, what the WAL receiver last heard, and the highest of these the reader has ever seen
    /// (Patroni takes the DCS's last value and latest_end_lsn; the memory stands in for the DCS when
    /// the primary is gone and the WAL receiver with it). Zero when none is known, which Patroni
    /// treats as "not lagging".
    /// </summary>
    public long LeaderLocation => Math.Max(Math.Max(UpstreamLocation ?? 0, LatestEndLocation ?? 0), LastKnownLeaderLocation ?? 0);

    public ImmutableArray<ReplicationConnection> ReplicationOrEmpty => Replication.IsDefault ? [] : Replication;
}
