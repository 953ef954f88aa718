using Pgway.Protocol;
using static Pgway.Pooling.Admin.AdminConsole;

namespace Pgway.Pooling.Admin;

/// <summary>SHOW POOLS and SHOW LISTS, with PgBouncer 1.18's columns, from the pools' counts.</summary>
internal static class AdminShowPools
{
    private static readonly ColumnDescription[] PoolColumns =
    [
        ColumnDescription.Text("database"), ColumnDescription.Text("user"),
        ColumnDescription.Int4("cl_active"), ColumnDescription.Int4("cl_waiting"),
        ColumnDescription.Int4("cl_active_cancel_req"), ColumnDescription.Int4("cl_waiting_cancel_req"),
        ColumnDescription.Int4("sv_active"), ColumnDescription.Int4("sv_active_cancel"), ColumnDescription.Int4("sv_being_canceled"),
        ColumnDescription.Int4("sv_idle"), ColumnDescription.Int4("sv_used"), ColumnDescription.Int4("sv_tested"), ColumnDescription.Int4("sv_login"),
        ColumnDescription.Int4("maxwait"), ColumnDescription.Int4("maxwait_us"), ColumnDescription.Text("pool_mode"),
    ];

    /// <summary>
    /// One row per pool, and the console's own. pgway has no separate cancel-request or server-check
    /// states (a cancel is forwarded at once; an idle server is checked without a round trip), so
    /// those columns are 0; a server being connected for a client counts as active, as it is that client's.
    /// </summary>
    public static Task<AdminReply> Pools(AdminConsole console)
    {
        var pooler = console.Pooler;
        var settings = pooler.Options.Settings;
        var now = pooler.Time.GetUtcNow();
        List<string?[]> rows =
        [
            [DatabaseName, DatabaseName, Number(pooler.AdminClients), "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "statement"],
        ];
        foreach (var pool in pooler.AllPools())
        {
            var snapshot = pool.Snapshot();
            var waited = snapshot.OldestWaitSince is { } since ? now - since : TimeSpan.Zero;
            var microseconds = (long)waited.TotalMicroseconds;
            var mode = settings.Users.FirstOrDefault(u => u.Name == pool.User)?.PoolMode
                ?? settings.Databases.FirstOrDefault(d => d.Name == pool.Database)?.PoolMode
                ?? settings.PoolMode;
            rows.Add([
                pool.Database, pool.User, Number(snapshot.ClientsActive), Number(snapshot.ClientsWaiting), "0", "0",
                Number(snapshot.ServersActive), "0", "0", Number(snapshot.ServersIdle), "0", "0", "0",
                Number(microseconds / 1_000_000), Number(microseconds % 1_000_000), AdminShowSettings.Mode(mode),
            ]);
        }
        rows.Sort(static (a, b) => string.CompareOrdinal(a[0], b[0]) is var c and not 0 ? c : string.CompareOrdinal(a[1], b[1]));
        return Task.FromResult(AdminReply.Table(PoolColumns, rows));
    }

    /// <summary>PgBouncer's internal lists, as far as pgway has them: no free lists (objects are not cached) and no DNS.</summary>
    public static Task<AdminReply> Lists(AdminConsole console)
    {
        var pooler = console.Pooler;
        var pools = pooler.AllPools();
        var servers = 0;
        var loggedIn = pooler.AdminClients;
        foreach (var pool in pools)
        {
            servers += pool.Total;
            loggedIn += pool.Clients;
        }
        var users = new HashSet<string>(StringComparer.Ordinal);
        foreach (var listed in pooler.Options.Settings.Users)
        {
            users.Add(listed.Name);
        }
        foreach (var name in pooler.Options.Secrets.Keys)
        {
            users.Add(name);
        }
        string?[][] rows =
        [
            ["databases", Number(pooler.KnownDatabases().Count + 1)],
            ["users", Number(users.Count + 1)],
            ["pools", Number(pools.Count + 1)],
            ["free_clients", "0"],
            ["used_clients", Number(loggedIn)],
            ["login_clients", Number(Math.Max(0, pooler.Clients - loggedIn))],
            ["free_servers", "0"],
            ["used_servers", Number(servers)],
            ["dns_names", "0"],
            ["dns_zones", "0"],
            ["dns_queries", "0"],
            ["dns_pending", "0"],
        ];
        return Task.FromResult(AdminReply.Table([ColumnDescription.Text("list"), ColumnDescription.Int4("items")], [.. rows]));
    }
}
