namespace Pgway.Admin;

/// <summary>One pool, per (database, user), in the status document, by PgBouncer's SHOW POOLS and SHOW STATS.</summary>
/// <param name="ClientsActive">Clients not waiting for a server (cl_active).</param>
/// <param name="ClientsWaiting">Clients waiting for a server (cl_waiting).</param>
/// <param name="ServersActive">Server connections lent to a client (sv_active).</param>
/// <param name="ServersIdle">Server connections idle in the pool (sv_idle).</param>
/// <param name="PoolSize">The pool's size limit (pool_size).</param>
/// <param name="Paused">Paused from the admin console.</param>
/// <param name="Transactions">Transactions pooled since the pooler started (total_xact_count).</param>
/// <param name="Queries">Queries pooled since the pooler started (total_query_count).</param>
/// <param name="AvgTransactionMs">Average transaction time since the pooler started, in milliseconds.</param>
/// <param name="AvgQueryMs">Average query time since the pooler started, in milliseconds.</param>
/// <param name="TotalWaitMs">Time clients spent waiting for a server, in milliseconds (total_wait_time).</param>
/// <param name="MaxWaitSeconds">How long the longest-waiting client has waited now (maxwait); 0 when none waits.</param>
internal sealed record StatusPool(
    string Database,
    string User,
    int ClientsActive,
    int ClientsWaiting,
    int ServersActive,
    int ServersIdle,
    int PoolSize,
    bool Paused,
    long Transactions,
    long Queries,
    double AvgTransactionMs,
    double AvgQueryMs,
    double TotalWaitMs,
    double MaxWaitSeconds,
    long ReceivedBytes,
    long SentBytes);
