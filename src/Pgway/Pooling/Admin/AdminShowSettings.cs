using System.Reflection;
using Pgway.Configuration;
using Pgway.Protocol;
using static Pgway.Pooling.Admin.AdminConsole;

namespace Pgway.Pooling.Admin;

/// <summary>SHOW HELP, VERSION, CONFIG, DATABASES and USERS, with PgBouncer 1.18's columns.</summary>
internal static class AdminShowSettings
{
    private const string HelpText = """

        	SHOW HELP|CONFIG|DATABASES|POOLS|CLIENTS|SERVERS|USERS|VERSION
        	SHOW LISTS
        	SHOW PREPARED_STATEMENTS
        	SHOW STATS|STATS_TOTALS|STATS_AVERAGES|TOTALS
        	SET key = arg
        	RELOAD
        	PAUSE [<db>]
        	RESUME [<db>]
        	RECONNECT [<db>]
        	KILL <db>
        	KILL_CLIENT <client>
        	WAIT_CLOSE [<db>]
        	SWITCHOVER <cluster> [TO <member>]
        	UNFENCE <member>
        	SHOW SWITCHOVER
        """;

    // Settings a live SET cannot change: files are read with the inventory (RELOAD), addresses at start.
    private static readonly HashSet<string> Fixed = ["auth_file", "auth_hba_file", "listen_addr", "listen_port"];

    private static readonly ColumnDescription[] ConfigColumns =
        [ColumnDescription.Text("key"), ColumnDescription.Text("value"), ColumnDescription.Text("default"), ColumnDescription.Text("changeable")];

    private static readonly ColumnDescription[] DatabaseColumns =
    [
        ColumnDescription.Text("name"), ColumnDescription.Text("host"), ColumnDescription.Int4("port"), ColumnDescription.Text("database"),
        ColumnDescription.Text("force_user"), ColumnDescription.Int4("pool_size"), ColumnDescription.Int4("min_pool_size"),
        ColumnDescription.Int4("reserve_pool"), ColumnDescription.Text("pool_mode"), ColumnDescription.Int4("max_connections"),
        ColumnDescription.Int4("current_connections"), ColumnDescription.Int4("paused"), ColumnDescription.Int4("disabled"),
    ];

    public static Task<AdminReply> Help(AdminConsole console) =>
        Task.FromResult(AdminReply.Notice("Console usage", HelpText.Replace("\r\n", "\n", StringComparison.Ordinal), "SHOW"));

    /// <summary>PgBouncer's answer, with pgway's own version after it: tools that parse it find the version whose console pgway speaks.</summary>
    public static Task<AdminReply> Version(AdminConsole console)
    {
        var pgway = typeof(AdminShowSettings).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        return Task.FromResult(AdminReply.Table([ColumnDescription.Text("version")], [[$"PgBouncer 1.18.0 (pgway {pgway.Split('+')[0]})"]]));
    }

    public static Task<AdminReply> Config(AdminConsole console)
    {
        var options = console.Pooler.Options;
        var settings = options.Settings;
        var rows = new SortedDictionary<string, string?[]>(StringComparer.Ordinal);
        foreach (var (key, (_, fallback)) in PgBouncerSettings.Read)
        {
            rows[key] = [key, settings.Settings[key], fallback, Fixed.Contains(key) ? "no" : "yes"];
        }
        rows["pool_mode"] = ["pool_mode", Mode(settings.PoolMode), "transaction", "yes"];
        rows["listen_addr"] = ["listen_addr", options.Listen.Address.ToString(), "", "no"];
        rows["listen_port"] = ["listen_port", Number(console.Pooler.LocalEndPoint.Port), "6432", "no"];
        return Task.FromResult(AdminReply.Table(ConfigColumns, [.. rows.Values]));
    }

    public static Task<AdminReply> Databases(AdminConsole console)
    {
        var pooler = console.Pooler;
        var options = pooler.Options;
        var settings = options.Settings;
        List<string?[]> rows =
        [
            // The console's own database, as PgBouncer lists it.
            [DatabaseName, null, Number(pooler.LocalEndPoint.Port), DatabaseName, DatabaseName, "2", "0", "0", "statement", "0", "0", "0", "0"],
        ];
        foreach (var name in pooler.KnownDatabases())
        {
            var listed = settings.Databases.FirstOrDefault(d => d.Name == name);
            rows.Add([
                name, options.Backend.Address.ToString(), Number(options.Backend.Port), name, null,
                Number(listed?.PoolSize ?? settings.DefaultPoolSize), Number(listed?.PoolSizeMin ?? settings.MinPoolSize),
                Number(listed?.PoolReserve ?? settings.ReservePoolSize), listed?.PoolMode is { } mode ? Mode(mode) : null,
                Number(listed?.ConnectionLimit ?? settings.MaxDbConnections), Number(pooler.ServerBudgetUsed(name)),
                Flag(pooler.IsPaused(name)), "0",
            ]);
        }
        rows.Sort(static (a, b) => string.CompareOrdinal(a[0], b[0]));
        return Task.FromResult(AdminReply.Table(DatabaseColumns, rows));
    }

    /// <summary>Every user the pooler knows: listed in <c>pg_users</c>, in the auth file, or with a pool (auth_query).</summary>
    public static Task<AdminReply> Users(AdminConsole console)
    {
        var pooler = console.Pooler;
        var settings = pooler.Options.Settings;
        var names = new SortedSet<string>(StringComparer.Ordinal) { DatabaseName };
        foreach (var listed in settings.Users)
        {
            names.Add(listed.Name);
        }
        foreach (var name in pooler.Options.Secrets.Keys)
        {
            names.Add(name);
        }
        foreach (var pool in pooler.AllPools())
        {
            names.Add(pool.User);
        }
        var rows = new List<string?[]>(names.Count);
        foreach (var name in names)
        {
            var mode = settings.Users.FirstOrDefault(u => u.Name == name)?.PoolMode;
            rows.Add([name, mode is { } listed ? Mode(listed) : null]);
        }
        return Task.FromResult(AdminReply.Table([ColumnDescription.Text("name"), ColumnDescription.Text("pool_mode")], rows));
    }

    public static string Mode(Model.PoolMode mode) => mode.ToString().ToLowerInvariant();
}
