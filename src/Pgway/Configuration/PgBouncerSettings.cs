using System.Collections.Frozen;

namespace Pgway.Configuration;

/// <summary>
/// The PgBouncer settings pgway's pooler reads, with the values Pigsty renders into pgbouncer.ini
/// (PgBouncer's own default where Pigsty sets none), and the PgBouncer settings pgway knows but
/// does not act on yet. The inventory overrides any of them as <c>pgbouncer_&lt;name&gt;</c>.
/// </summary>
internal static class PgBouncerSettings
{
    public enum Kind
    {
        /// <summary>A whole number from 0.</summary>
        Count,

        /// <summary>Seconds, from 0, fractions allowed; 0 usually means "no limit".</summary>
        Seconds,

        /// <summary>Free text (a query, a path, a name).</summary>
        Text,

        /// <summary>Names separated by commas.</summary>
        List,

        /// <summary>0 or 1 (PgBouncer's booleans).</summary>
        Flag,
    }

    /// <summary>The prefix of pgway's own pooler settings, which are inventory variables by that same name.</summary>
    public const string PgwayPrefix = "pgway_";

    public static readonly FrozenDictionary<string, (Kind Kind, string Default)> Read = new Dictionary<string, (Kind, string)>
    {
        ["max_client_conn"] = (Kind.Count, "20000"),
        ["default_pool_size"] = (Kind.Count, "50"),
        ["min_pool_size"] = (Kind.Count, "0"),
        ["reserve_pool_size"] = (Kind.Count, "30"),
        ["reserve_pool_timeout"] = (Kind.Seconds, "1"),
        ["max_db_connections"] = (Kind.Count, "100"),
        ["max_user_connections"] = (Kind.Count, "100"),
        ["server_lifetime"] = (Kind.Seconds, "600"),
        ["server_idle_timeout"] = (Kind.Seconds, "600"),
        ["server_connect_timeout"] = (Kind.Seconds, "15"),
        ["server_login_retry"] = (Kind.Seconds, "15"),
        ["query_timeout"] = (Kind.Seconds, "0"),
        ["query_wait_timeout"] = (Kind.Seconds, "120"),
        ["client_idle_timeout"] = (Kind.Seconds, "0"),
        ["client_login_timeout"] = (Kind.Seconds, "60"),
        ["idle_transaction_timeout"] = (Kind.Seconds, "0"),
        ["server_reset_query"] = (Kind.Text, "DISCARD ALL"),
        ["server_reset_query_always"] = (Kind.Flag, "0"),
        ["max_prepared_statements"] = (Kind.Count, "256"),
        ["autodb_idle_timeout"] = (Kind.Seconds, "3600"),
        // pgway's own, with no PgBouncer equivalent: set as pgway_<name> in the inventory (0: no limit).
        [PgwayPrefix + "max_client_prepared_statements"] = (Kind.Count, "10000"),
        [PgwayPrefix + "max_client_prepared_bytes"] = (Kind.Count, "16777216"),
        [PgwayPrefix + "max_autodb_pools"] = (Kind.Count, "100"),
        ["ignore_startup_parameters"] = (Kind.List, "extra_float_digits"),
        ["admin_users"] = (Kind.List, "postgres,dbuser_dba"),
        ["stats_users"] = (Kind.List, "postgres,dbuser_monitor"),
        ["auth_type"] = (Kind.Text, "hba"),
        ["auth_file"] = (Kind.Text, ""),
        ["auth_hba_file"] = (Kind.Text, ""),
        ["log_connections"] = (Kind.Flag, "1"),
        ["log_disconnections"] = (Kind.Flag, "1"),
        ["stats_period"] = (Kind.Seconds, "60"),
        ["auth_user"] = (Kind.Text, ""),
        ["auth_dbname"] = (Kind.Text, ""),
        ["auth_query"] = (Kind.Text, "SELECT username, password FROM monitor.pgbouncer_auth($1)"),
        // Pigsty renders client_tls_sslmode from pgbouncer_sslmode, and always these three files.
        ["client_tls_sslmode"] = (Kind.Text, "disable"),
        ["client_tls_cert_file"] = (Kind.Text, "/pg/cert/server.crt"),
        ["client_tls_key_file"] = (Kind.Text, "/pg/cert/server.key"),
        ["client_tls_ca_file"] = (Kind.Text, "/pg/cert/ca.crt"),
        ["client_tls_protocols"] = (Kind.List, "secure"),
        // PgBouncer's default is prefer, but Pigsty's PgBouncer reaches PostgreSQL over its Unix
        // socket, where no TLS applies: pgway, on loopback TCP instead, stays in plaintext unless told.
        ["server_tls_sslmode"] = (Kind.Text, "disable"),
        ["server_tls_ca_file"] = (Kind.Text, ""),
        ["server_tls_cert_file"] = (Kind.Text, ""),
        ["server_tls_key_file"] = (Kind.Text, ""),
        ["server_tls_protocols"] = (Kind.List, "secure"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// PgBouncer's <c>*_tls_protocols</c> words pgway honours: <c>secure</c>, <c>all</c> and
    /// <c>legacy</c> (TLS 1.2 and 1.3), <c>tlsv1.2</c>, <c>tlsv1.3</c>; <c>tlsv1.0</c> and <c>tlsv1.1</c>
    /// are accepted but never offered.
    /// </summary>
    public static readonly string[] TlsProtocols = ["secure", "all", "legacy", "tlsv1.0", "tlsv1.1", "tlsv1.2", "tlsv1.3"];

    /// <summary>Real PgBouncer settings pgway does not act on (yet): accepted with a warning.</summary>
    public static readonly FrozenSet<string> NotActedOn = new[]
    {
        "log_pooler_errors", "log_stats", "verbose",
        "tcp_keepalive", "tcp_keepidle", "tcp_keepintvl", "tcp_keepcnt", "tcp_user_timeout", "tcp_defer_accept",
        "tcp_socket_buffer", "server_check_query", "server_check_delay", "server_round_robin", "server_fast_close",
        "application_name_add_host", "so_reuseport", "pkt_buf", "max_packet_size", "sbuf_loopcnt", "listen_backlog",
        "dns_max_ttl", "dns_nxdomain_ttl", "dns_zone_check_period", "disable_pqexec", "track_extra_parameters",
        "client_tls_ciphers", "client_tls_ecdhcurve", "client_tls_dheparams", "server_tls_ciphers",
        "max_db_client_connections", "max_user_client_connections", "peer_id", "unix_socket_dir", "unix_socket_mode",
        "unix_socket_group", "logfile", "pidfile", "syslog", "syslog_ident", "syslog_facility", "user",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Pigsty's own <c>pgbouncer_*</c> variables, which are not PgBouncer settings.</summary>
    public static readonly FrozenSet<string> PigstyVariables = new[]
    {
        "pgbouncer_enabled", "pgbouncer_port", "pgbouncer_log_dir", "pgbouncer_auth_query", "pgbouncer_poolmode",
        "pgbouncer_sslmode", "pgbouncer_exporter_enabled", "pgbouncer_exporter_url", "pgbouncer_exporter_options",
        "pgbouncer_hba_rules", "pgbouncer_hba_rules_extra",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Pigsty v1's names for PgBouncer settings (v1.0–v1.5 render <c>max_db_connections = {{ pgbouncer_max_db_conn }}</c>);
    /// v1's other pooler variables map already: <c>pgbouncer_poolmode</c>, <c>pgbouncer_port</c>, <c>pgbouncer_enabled</c>.
    /// </summary>
    public static readonly FrozenDictionary<string, string> PigstyV1Names = new Dictionary<string, string>
    {
        ["max_db_conn"] = "max_db_connections",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>PgBouncer settings that Pigsty sets through its own variable instead.</summary>
    public static readonly FrozenDictionary<string, string> SetThrough = new Dictionary<string, string>
    {
        ["pool_mode"] = "pgbouncer_poolmode",
        ["listen_port"] = "pgbouncer_port",
        ["listen_addr"] = "the node's address (pgway listens on each hosted node)",
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
