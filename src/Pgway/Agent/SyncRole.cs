namespace Pgway.Agent;

/// <summary>How the upstream counts a replica for synchronous commit (<c>pg_stat_replication.sync_state</c>).</summary>
internal enum SyncRole
{
    /// <summary>Asynchronous, potential, or not known.</summary>
    None,

    /// <summary><c>sync</c>: a priority-based synchronous standby.</summary>
    Sync,

    /// <summary><c>quorum</c>: one of an <c>ANY n (…)</c> quorum.</summary>
    Quorum,
}
