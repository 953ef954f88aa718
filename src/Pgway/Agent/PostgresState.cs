namespace Pgway.Agent;

/// <summary>Whether PostgreSQL answers, in Patroni's vocabulary (the <c>state</c> field).</summary>
internal enum PostgresState
{
    /// <summary>Answered the status query.</summary>
    Running,

    /// <summary>Refused with SQLSTATE 57P03: starting up, shutting down or in crash recovery.</summary>
    Starting,

    /// <summary>Nothing listens: connection refused or no socket.</summary>
    Stopped,

    /// <summary>Reachable in some way but the status query failed or timed out.</summary>
    Unknown,
}
