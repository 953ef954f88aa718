using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Pgway.Pooling.Admin;

namespace Pgway.Pooling;

// What the admin console asks of the pooler: its clients and servers as they are now, and PAUSE,
// RESUME, RECONNECT, KILL, KILL_CLIENT and WAIT_CLOSE with PgBouncer's meanings (and its messages,
// which tools and people know).
internal sealed partial class Pooler
{
    private readonly ConcurrentDictionary<string, byte> pausedDatabases = new(StringComparer.Ordinal);
    private readonly StatsAverager averages = new();
    private volatile bool pausedAll;
    private int adminClients;

    /// <summary>The admin console's own traffic: SHOW STATS lists it as database <c>pgbouncer</c>, as PgBouncer does.</summary>
    internal PoolStatistics AdminStatistics { get; } = new();

    /// <summary>Logged-in clients of the admin console now.</summary>
    internal int AdminClients => Volatile.Read(ref adminClients);

    internal StatsAverager Averages => averages;

    /// <summary>Paused as a whole (PAUSE without a database).</summary>
    internal bool PausedAll => pausedAll;

    internal void AddAdminClient() => Interlocked.Increment(ref adminClients);

    internal void RemoveAdminClient() => Interlocked.Decrement(ref adminClients);

    internal bool IsPaused(string database) => pausedAll || IsHeld || pausedDatabases.ContainsKey(database);

    internal bool IsDatabasePaused(string database) => pausedDatabases.ContainsKey(database);

    /// <summary>Every pool now (the admin console reads their state directly).</summary>
    internal List<ServerPool> AllPools()
    {
        var all = new List<ServerPool>(pools.Count);
        foreach (var pool in pools.Values)
        {
            all.Add(pool);
        }
        all.Sort(static (a, b) => string.CompareOrdinal(a.Database, b.Database) is var c and not 0 ? c : string.CompareOrdinal(a.User, b.User));
        return all;
    }

    /// <summary>The pools of <paramref name="database"/>, or of every database when null.</summary>
    internal List<ServerPool> PoolsOf(string? database) => AllPools().FindAll(p => database is null || p.Database == database);

    /// <summary>The databases the pooler knows: those <c>pg_databases</c> lists and those with a pool, by name.</summary>
    internal SortedSet<string> KnownDatabases()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var listed in Options.Settings.Databases)
        {
            names.Add(listed.Name);
        }
        foreach (var (database, _) in pools.Keys)
        {
            names.Add(database);
        }
        return names;
    }

    internal int ServerBudgetUsed(string database) => databaseBudgets.TryGetValue(database, out var budget) ? budget.Used : 0;

    /// <summary>PgBouncer's PAUSE without a database: every pool; an error message when already paused.</summary>
    internal string? PauseAll()
    {
        if (pausedAll)
        {
            return "already suspended/paused";
        }
        pausedAll = true;
        foreach (var pool in pools.Values)
        {
            pool.Pause();
        }
        return null;
    }

    internal string? PauseDatabase(string database)
    {
        if (pausedAll)
        {
            return "already suspended/paused";
        }
        if (!KnownDatabases().Contains(database))
        {
            return $"no such database: {database}";
        }
        pausedDatabases[database] = 0;
        foreach (var pool in PoolsOf(database))
        {
            pool.Pause();
        }
        return null;
    }

    internal string? ResumeAll()
    {
        if (!pausedAll)
        {
            return "pooler is not paused/suspended";
        }
        pausedAll = false;
        foreach (var pool in pools.Values)
        {
            if (!IsPaused(pool.Database))
            {
                pool.Resume();
            }
        }
        return null;
    }

    internal string? ResumeDatabase(string database)
    {
        if (!KnownDatabases().Contains(database))
        {
            return $"no such database: {database}";
        }
        if (!pausedDatabases.TryRemove(database, out _))
        {
            return $"database {database} is not paused";
        }
        if (!IsPaused(database))
        {
            foreach (var pool in PoolsOf(database))
            {
                pool.Resume();
            }
        }
        return null;
    }

    /// <summary>Servers of the database (or all) are closed as they are released, new ones opened; idle ones at once.</summary>
    internal string? Reconnect(string? database)
    {
        if (database is not null && !KnownDatabases().Contains(database))
        {
            return $"no such database: {database}";
        }
        foreach (var pool in PoolsOf(database))
        {
            pool.Reconnect();
        }
        return null;
    }

    /// <summary>
    /// PgBouncer's KILL: the database is paused (until RESUME), each of its clients is told and
    /// closed, and its servers are closed rather than reused.
    /// </summary>
    internal string? Kill(string database)
    {
        if (!KnownDatabases().Contains(database))
        {
            return $"no such database: {database}";
        }
        pausedDatabases[database] = 0;
        foreach (var pool in PoolsOf(database))
        {
            pool.Pause();
            pool.Reconnect();
        }
        foreach (var session in sessions.Values)
        {
            if (!session.IsAdmin && session.DatabaseName == database)
            {
                session.Kill($"terminating connection due to administrator command (KILL {database})");
            }
        }
        return null;
    }

    /// <summary>Ends one client, by its number (as in the log and SHOW CLIENTS' ptr).</summary>
    internal string? KillClient(long id)
    {
        if (!sessions.TryGetValue(id, out var session))
        {
            return $"no such client: {id}";
        }
        session.Kill($"terminating connection due to administrator command (KILL_CLIENT {id})");
        return null;
    }

    /// <summary>Every logged-in client now, each described on its own loop (where its state lives), by number.</summary>
    internal async Task<List<ClientSnapshot>> ClientsAsync()
    {
        var byLoop = new Dictionary<Transport.EpollLoop, List<ClientSession>>();
        foreach (var session in sessions.Values)
        {
            if (!byLoop.TryGetValue(session.Loop, out var list))
            {
                byLoop[session.Loop] = list = [];
            }
            list.Add(session);
        }
        var all = new List<ClientSnapshot>();
        foreach (var (loop, list) in byLoop)
        {
            var described = await loop.RunAsync(() =>
            {
                var now = Time.GetUtcNow();
                var found = new List<ClientSnapshot>(list.Count);
                foreach (var session in list)
                {
                    if (session.Describe(now) is { } snapshot)
                    {
                        found.Add(snapshot);
                    }
                }
                return Task.FromResult(found);
            });
            all.AddRange(described);
        }
        all.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return all;
    }

    /// <summary>Per database, the totals of its pools (and the console's own, as <c>pgbouncer</c>).</summary>
    internal SortedDictionary<string, PoolStatisticsSnapshot> DatabaseTotals()
    {
        var totals = new SortedDictionary<string, PoolStatisticsSnapshot>(StringComparer.Ordinal)
        {
            [AdminConsole.DatabaseName] = AdminStatistics.Snapshot(),
        };
        foreach (var pool in pools.Values)
        {
            var stats = pool.Statistics.Snapshot();
            totals[pool.Database] = totals.TryGetValue(pool.Database, out var sum) ? StatsAverager.Add(sum, stats) : stats;
        }
        return totals;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: admin console: {User} (client {Session}): {Command}: {Outcome}")]
    internal static partial void LogAdminCommand(ILogger logger, string user, long session, string command, string outcome);

    [LoggerMessage(Level = LogLevel.Debug, Message = "pooler: admin console: {User} (client {Session}): {Command}: {Outcome}")]
    internal static partial void LogAdminShow(ILogger logger, string user, long session, string command, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: admin console: {User} (client {Session}): {Command} refused: {Error}")]
    internal static partial void LogAdminRefused(ILogger logger, string user, long session, string command, string error);
}
