using Microsoft.Extensions.Logging;

namespace Pgway.Pooling;

// Pools made for databases not in pg_databases (PgBouncer's "*" fallback, when pg_databases is
// empty): any name a client logs in with makes one, so they are bounded in number
// (pgway_max_autodb_pools) and dropped once unused for autodb_idle_timeout.
internal sealed partial class Pooler
{
    /// <summary>Pools made for databases not in <c>pg_databases</c> that exist now.</summary>
    internal int AutomaticPools
    {
        get
        {
            lock (automaticGate)
            {
                return automaticPools;
            }
        }
    }

    // Automatic pools unused (no session, no server) for autodb_idle_timeout are dropped, as PgBouncer
    // frees its "*" databases: names clients made up must not hold memory for good. Under automaticGate.
    private void DropUnusedAutomatic(DateTimeOffset now)
    {
        var timeout = Options.Settings.AutodbIdleTimeout;
        lock (automaticGate)
        {
            foreach (var pool in pools.Values)
            {
                if (!pool.Automatic)
                {
                    continue;
                }
                if (!pool.Unused)
                {
                    pool.UnusedSince = null;
                    continue;
                }
                pool.UnusedSince ??= now;
                if (timeout > TimeSpan.Zero && now - pool.UnusedSince >= timeout)
                {
                    Drop(pool);
                }
            }
        }
    }

    // At pgway_max_autodb_pools: the automatic pool unused longest makes room, if any is unused.
    private bool DropOneUnusedAutomatic()
    {
        ServerPool? oldest = null;
        foreach (var pool in pools.Values)
        {
            if (pool.Automatic && pool.Unused && (oldest is null || (pool.UnusedSince ?? DateTimeOffset.MaxValue) < (oldest.UnusedSince ?? DateTimeOffset.MaxValue)))
            {
                oldest = pool;
            }
        }
        if (oldest is null)
        {
            return false;
        }
        Drop(oldest);
        return true;
    }

    private void Drop(ServerPool pool)
    {
        if (!pools.TryRemove(new KeyValuePair<(string, string), ServerPool>((pool.Database, pool.User), pool)))
        {
            return;
        }
        automaticPools--;
        // The budgets of a database or user no other pool has go too.
        if (!pools.Keys.Any(k => k.Database == pool.Database))
        {
            databaseBudgets.TryRemove(pool.Database, out _);
        }
        if (!pools.Keys.Any(k => k.User == pool.User))
        {
            userBudgets.TryRemove(pool.User, out _);
        }
        LogAutomaticDropped(Logger, pool.Database, pool.User);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: pool {Database}/{User} (made for a database not in pg_databases) dropped: unused")]
    private static partial void LogAutomaticDropped(ILogger logger, string database, string user);
}
