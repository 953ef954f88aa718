using System.Collections.Immutable;

namespace Pgway.Model;

/// <summary>
/// A cluster's pooler (PgBouncer's job, on each node's <c>pgbouncer_port</c>), as Pigsty renders
/// pgbouncer.ini: Pigsty's variables (<c>pgbouncer_poolmode</c>, <c>pgbouncer_auth_query</c>,
/// <c>pgbouncer_sslmode</c>), any PgBouncer setting as <c>pgbouncer_&lt;name&gt;</c>, and the databases
/// and users it serves. Durations are PgBouncer's seconds.
/// </summary>
/// <param name="Settings">Every PgBouncer setting by its PgBouncer name: Pigsty's rendering, overridden by the inventory.</param>
/// <param name="UseAuthQuery">Pigsty's <c>pgbouncer_auth_query</c>: users not listed are looked up with <c>auth_query</c>.</param>
internal sealed record PoolerSettings(
    PoolMode PoolMode,
    bool UseAuthQuery,
    string SslMode,
    ImmutableSortedDictionary<string, string> Settings,
    ImmutableArray<PoolDatabase> Databases,
    ImmutableArray<PoolUser> Users)
{
    // Each value is parsed once, here: the pooler reads them on every transaction and every sweep.

    public int MaxClientConnections { get; } = Int(Settings, "max_client_conn");

    public int DefaultPoolSize { get; } = Int(Settings, "default_pool_size");

    public int MinPoolSize { get; } = Int(Settings, "min_pool_size");

    public int ReservePoolSize { get; } = Int(Settings, "reserve_pool_size");

    public TimeSpan ReservePoolTimeout { get; } = Seconds(Settings, "reserve_pool_timeout");

    public int MaxDbConnections { get; } = Int(Settings, "max_db_connections");

    public int MaxUserConnections { get; } = Int(Settings, "max_user_connections");

    public TimeSpan ServerLifetime { get; } = Seconds(Settings, "server_lifetime");

    public TimeSpan ServerIdleTimeout { get; } = Seconds(Settings, "server_idle_timeout");

    public TimeSpan ServerConnectTimeout { get; } = Seconds(Settings, "server_connect_timeout");

    public TimeSpan ServerLoginRetry { get; } = Seconds(Settings, "server_login_retry");

    public TimeSpan QueryTimeout { get; } = Seconds(Settings, "query_timeout");

    public TimeSpan QueryWaitTimeout { get; } = Seconds(Settings, "query_wait_timeout");

    public TimeSpan ClientIdleTimeout { get; } = Seconds(Settings, "client_idle_timeout");

    public TimeSpan ClientLoginTimeout { get; } = Seconds(Settings, "client_login_timeout");

    public TimeSpan IdleTransactionTimeout { get; } = Seconds(Settings, "idle_transaction_timeout");

    public string ServerResetQuery { get; } = Settings["server_reset_query"];

    /// <summary><c>auth_type</c>: checked where it is read (the inventory, the console's SET), so any other text reads as hba.</summary>
    public AuthType AuthType { get; } = AuthTypes.TryParse(Settings.GetValueOrDefault("auth_type"), out var authType) ? authType : AuthType.Hba;

    /// <summary><c>auth_user</c>, who runs <c>auth_query</c>; null when not set.</summary>
    public string? AuthUser { get; } = Text(Settings, "auth_user");

    /// <summary><c>auth_dbname</c>, the database <c>auth_query</c> runs in; null: the client's own.</summary>
    public string? AuthDatabase { get; } = Text(Settings, "auth_dbname");

    /// <summary><c>auth_query</c>: the query that looks up a user's secret, taking the user name as $1.</summary>
    public string AuthQuery { get; } = Settings.GetValueOrDefault("auth_query", "");

    /// <summary><c>auth_file</c>, relative to the inventory's folder; null when not set.</summary>
    public string? AuthFile { get; } = Text(Settings, "auth_file");

    /// <summary><c>auth_hba_file</c>, relative to the inventory's folder; null when not set.</summary>
    public string? AuthHbaFile { get; } = Text(Settings, "auth_hba_file");

    public int MaxPreparedStatements { get; } = Int(Settings, "max_prepared_statements");

    /// <summary>How long a pool made for a database not in <c>pg_databases</c> lives with no client and no server (PgBouncer's <c>autodb_idle_timeout</c>).</summary>
    public TimeSpan AutodbIdleTimeout { get; } = Seconds(Settings, "autodb_idle_timeout");

    /// <summary><c>pgway_max_client_prepared_statements</c>: named prepared statements one client may have (0: no limit).</summary>
    public int MaxClientPreparedStatements { get; } = Int(Settings, "pgway_max_client_prepared_statements");

    /// <summary><c>pgway_max_client_prepared_bytes</c>: bytes of names and definitions one client's prepared statements may hold (0: no limit).</summary>
    public long MaxClientPreparedBytes { get; } = long.Parse(Settings["pgway_max_client_prepared_bytes"], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><c>pgway_max_autodb_pools</c>: pools made at once for databases not in <c>pg_databases</c> (0: no limit).</summary>
    public int MaxAutodbPools { get; } = Int(Settings, "pgway_max_autodb_pools");

    /// <summary>A log line for each client that logs in.</summary>
    public bool LogConnections { get; } = Settings["log_connections"] == "1";

    /// <summary>A log line, with its reason, for each client that leaves (counted either way).</summary>
    public bool LogDisconnections { get; } = Settings["log_disconnections"] == "1";

    /// <summary>How often the admin console's SHOW STATS_AVERAGES are computed, over the period just ended.</summary>
    public TimeSpan StatsPeriod { get; } = Seconds(Settings, "stats_period");

    public ImmutableArray<string> IgnoreStartupParameters { get; } = List(Settings, "ignore_startup_parameters");

    public ImmutableArray<string> AdminUsers { get; } = List(Settings, "admin_users");

    public ImmutableArray<string> StatsUsers { get; } = List(Settings, "stats_users");

    /// <summary><c>client_tls_sslmode</c> (Pigsty's <c>pgbouncer_sslmode</c>).</summary>
    public TlsMode ClientTlsMode { get; } = Tls(Settings, "client_tls_sslmode");

    /// <summary><c>server_tls_sslmode</c>.</summary>
    public TlsMode ServerTlsMode { get; } = Tls(Settings, "server_tls_sslmode");

    private static TlsMode Tls(ImmutableSortedDictionary<string, string> settings, string name) =>
        settings.TryGetValue(name, out var text) && TlsModes.TryParse(text, out var mode) ? mode : TlsMode.Disable;

    private static string? Text(ImmutableSortedDictionary<string, string> settings, string name) =>
        settings.TryGetValue(name, out var text) && text.Length > 0 ? text : null;

    private static int Int(ImmutableSortedDictionary<string, string> settings, string name) => int.Parse(settings[name], System.Globalization.CultureInfo.InvariantCulture);

    private static TimeSpan Seconds(ImmutableSortedDictionary<string, string> settings, string name) => TimeSpan.FromSeconds(double.Parse(settings[name], System.Globalization.CultureInfo.InvariantCulture));

    private static ImmutableArray<string> List(ImmutableSortedDictionary<string, string> settings, string name) =>
        [.. settings[name].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
