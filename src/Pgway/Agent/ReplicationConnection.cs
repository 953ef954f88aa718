namespace Pgway.Agent;

/// <summary>One row of the primary's <c>pg_stat_replication</c>, as Patroni lists it under <c>replication</c>.</summary>
internal sealed record ReplicationConnection(
    string? UserName,
    string? ApplicationName,
    string? ClientAddress,
    string? State,
    string? SyncState,
    int SyncPriority);
