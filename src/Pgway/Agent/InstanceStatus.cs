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
public sealed record InstanceStatus(
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
    string? Error = null)
{
    /// <summary>A status for an instance that could not be asked.</summary>
    public static InstanceStatus NotRunning(PostgresState state, DateTimeOffset checkedAt, string error) =>
        new(state, NodeRole.Unknown, checkedAt, Error: error);

    /// <summary>
    /// The leader's position a replica's lag is measured against: the newest of what the upstream
    /// says now and what the WAL receiver last heard (Patroni takes the DCS's value and latest_end_lsn).
    /// Zero when neither is known, which Patroni treats as "not lagging".
    /// </summary>
    public long LeaderLocation => Math.Max(UpstreamLocation ?? 0, LatestEndLocation ?? 0);

    public ImmutableArray<ReplicationConnection> ReplicationOrEmpty => Replication.IsDefault ? [] : Replication;
}
