namespace Pgway.Pooling;

/// <summary>One pool now, as PgBouncer's SHOW POOLS and SHOW STATS tell it.</summary>
/// <param name="ClientsActive">Logged-in clients not waiting for a server (cl_active).</param>
/// <param name="ClientsWaiting">Clients waiting for a server (cl_waiting).</param>
/// <param name="ServersActive">Servers lent to a client (sv_active).</param>
/// <param name="ServersIdle">Servers idle in the pool (sv_idle).</param>
internal sealed record PoolSnapshot(
    string Database,
    string User,
    int ClientsActive,
    int ClientsWaiting,
    int ServersActive,
    int ServersIdle,
    int PoolSize,
    PoolStatisticsSnapshot Statistics)
{
    /// <summary>Since when the longest-waiting client has waited (SHOW POOLS' maxwait); null when none waits.</summary>
    public DateTimeOffset? OldestWaitSince { get; init; }

    /// <summary>Paused from the admin console (PAUSE or KILL): clients queue until RESUME.</summary>
    public bool Paused { get; init; }
}
