namespace Pgway.Agent;

/// <summary>Which of Patroni's health questions a request path asks.</summary>
internal enum HealthEndpoint
{
    /// <summary>Not a health endpoint: always 503, as Patroni answers unknown paths.</summary>
    Unknown,
    Primary,
    Leader,
    StandbyLeader,
    Replica,
    ReadOnly,
    Health,
    Sync,
    Quorum,
    Async,
    ReadOnlySync,
    ReadOnlyQuorum,

    /// <summary><c>GET /liveness</c>: the agent runs.</summary>
    Liveness,

    /// <summary><c>GET /readiness</c>: a leader, or a streaming replica within the failover lag.</summary>
    Readiness,

    /// <summary><c>GET /patroni</c>: always 200 with the status body.</summary>
    Status,
}
