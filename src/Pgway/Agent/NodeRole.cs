namespace Pgway.Agent;

/// <summary>An instance's role as Patroni reports it (the <c>role</c> field).</summary>
internal enum NodeRole
{
    /// <summary>Not known: PostgreSQL did not answer.</summary>
    Unknown,

    /// <summary>Not in recovery: accepts writes.</summary>
    Primary,

    /// <summary>In recovery, following an upstream.</summary>
    Replica,

    /// <summary>In recovery, but the leader of a standby cluster (it follows a remote primary).</summary>
    StandbyLeader,
}
