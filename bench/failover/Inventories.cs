using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Npgsql;
using Pgway.Testing;

namespace Pgway.Bench.Failover;

/// <summary>
/// The inventories and the haproxy.cfg of a scenario: every service on the bench's own address, the members on
/// the test cluster's addresses, and the same server options (Pigsty's <c>norm</c> plan by default) everywhere.
/// </summary>
internal static partial class Inventories
{
    public const int PoolPort = 5433;      // pgway, dest: pool (with the DCS watch when Patroni runs)
    public const int L4Port = 5436;        // pgway, dest: postgres (the same)
    public const int ChecksPoolPort = 5443; // pgway, dest: pool, a second process without the DCS watch
    public const int HaproxyPort = 6433;   // HAProxy, from `pgway render haproxy`
    public const int HaproxyStatsPort = 9109;
    public const string TableSql = "CREATE TABLE IF NOT EXISTS failover_writes (id bigserial PRIMARY KEY, target text NOT NULL, client int NOT NULL, attempt bigint NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())";

    public static IReadOnlyList<int> Ports { get; } = [PoolPort, L4Port, ChecksPoolPort, HaproxyPort, HaproxyStatsPort];

    /// <summary>Cluster variables every inventory gets: the writer's user for the pool, the monitor's password for pgway's agent.</summary>
    public static List<KeyValuePair<string, string>> CommonVars(PgTestCredentials credentials) =>
    [
        new("pg_monitor_password", $"'{credentials.PasswordFor(PgTestUsers.Monitor)}'"),
        new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
        new("pgbouncer_poolmode", "transaction"),
        new("haproxy_exporter_port", HaproxyStatsPort.ToString(CultureInfo.InvariantCulture)),
    ];

    public static KeyValuePair<string, string> Services(BenchSettings settings, params (string Name, int Port, string Dest)[] services) =>
        new("pg_default_services", "[" + string.Join(", ", services.Select(s =>
            $"{{name: {s.Name}, port: {s.Port}, ip: '{settings.Address}', dest: {s.Dest}, selector: '[]', check: /primary, options: '{settings.Options}'}}")) + "]");

    /// <summary>The inventory without <c>pg_dcs</c>: pgway then follows the health checks alone.</summary>
    public static string WithoutDcs(string inventory) => DcsLine().Replace(inventory, "");

    /// <summary>
    /// The rendered haproxy.cfg as it is, but run in the foreground, with a global maxconn that fits the descriptor
    /// limit, and its stats page on the bench address instead of every address.
    /// </summary>
    public static string ForForeground(string rendered, IPAddress address) =>
        StatsBind().Replace(
            GlobalMaxconn().Replace(Daemon().Replace(rendered, ""), "$1maxconn 4000"),
            $"bind {address}:{HaproxyStatsPort}");

    public static string ConnectionString(IPAddress address, int port, PgTestCredentials credentials) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = address.ToString(),
            Port = port,
            Username = PgTestUsers.Meta,
            Password = credentials.PasswordFor(PgTestUsers.Meta),
            Database = PgTestUsers.TestDatabase,
            SslMode = SslMode.Disable,

            // Npgsql otherwise tries GSSAPI encryption first; on a host with a resolver but no Kerberos that
            // can stall an open for the resolver's 5 s timeout, which would be counted against the proxy.
            GssEncryptionMode = GssEncryptionMode.Disable,
        }.ConnectionString;

    [GeneratedRegex(@"^\s*pg_dcs:.*\n", RegexOptions.Multiline)]
    private static partial Regex DcsLine();

    [GeneratedRegex(@"^\s*daemon\s*\n", RegexOptions.Multiline)]
    private static partial Regex Daemon();

    [GeneratedRegex(@"^(\s*)maxconn 65535\s*$", RegexOptions.Multiline)]
    private static partial Regex GlobalMaxconn();

    [GeneratedRegex(@"bind \*:9109")]
    private static partial Regex StatsBind();
}
