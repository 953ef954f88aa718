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
public sealed record PoolerSettings(
    PoolMode PoolMode,
    bool UseAuthQuery,
    string SslMode,
    ImmutableSortedDictionary<string, string> Settings,
    ImmutableArray<PoolDatabase> Databases,
    ImmutableArray<PoolUser> Users)
{
    public int MaxClientConnections => Int("max_client_conn");

    public int DefaultPoolSize => Int("default_pool_size");

    public int MinPoolSize => Int("min_pool_size");

    public int ReservePoolSize => Int("reserve_pool_size");

    public TimeSpan ReservePoolTimeout => Seconds("reserve_pool_timeout");

    public int MaxDbConnections => Int("max_db_connections");

    public int MaxUserConnections => Int("max_user_connections");

    public TimeSpan ServerLifetime => Seconds("server_lifetime");

    public TimeSpan ServerIdleTimeout => Seconds("server_idle_timeout");

    public TimeSpan ServerConnectTimeout => Seconds("server_connect_timeout");

    public TimeSpan ServerLoginRetry => Seconds("server_login_retry");

    public TimeSpan QueryTimeout => Seconds("query_timeout");

    public TimeSpan QueryWaitTimeout => Seconds("query_wait_timeout");

    public TimeSpan ClientIdleTimeout => Seconds("client_idle_timeout");

    public TimeSpan ClientLoginTimeout => Seconds("client_login_timeout");

    public TimeSpan IdleTransactionTimeout => Seconds("idle_transaction_timeout");

    public string ServerResetQuery => Settings["server_reset_query"];

    public int MaxPreparedStatements => Int("max_prepared_statements");

    /// <summary>A log line for each client that logs in.</summary>
    public bool LogConnections => Settings["log_connections"] == "1";

    /// <summary>A log line, with its reason, for each client that leaves (counted either way).</summary>
    public bool LogDisconnections => Settings["log_disconnections"] == "1";

    public ImmutableArray<string> IgnoreStartupParameters => List("ignore_startup_parameters");

    public ImmutableArray<string> AdminUsers => List("admin_users");

    public ImmutableArray<string> StatsUsers => List("stats_users");

    private int Int(string name) => int.Parse(Settings[name], System.Globalization.CultureInfo.InvariantCulture);

    private TimeSpan Seconds(string name) => TimeSpan.FromSeconds(double.Parse(Settings[name], System.Globalization.CultureInfo.InvariantCulture));

    private ImmutableArray<string> List(string name) =>
        [.. Settings[name].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
