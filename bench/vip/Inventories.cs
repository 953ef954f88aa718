using System.Globalization;
using System.Net;
using Pgway.Testing;
using Pgway.Testing.Network;

namespace Pgway.Bench.Vip;

/// <summary>
/// The two inventories of one run. They describe the same cluster, DCS and primary service on 5433 and differ
/// only where two stacks on one host must: the service's <c>ip</c> (each stack listens on its own VIP, as two
/// listeners cannot share <c>*:5433</c>), the VIP itself (pgway's <c>pg_vip_*</c>; vip-manager has its own file)
/// and the HAProxy stats port (pgway's admin port is Pigsty's <c>haproxy_exporter_port</c>, 9101).
/// </summary>
internal static class Inventories
{
    /// <summary>pgway's VIP (TEST-NET-2's .2–.9 are left free for VIPs by the lab).</summary>
    public static readonly IPAddress PgwayVip = IPAddress.Parse("198.51.100.2");

    /// <summary>vip-manager's VIP, in front of HAProxy.</summary>
    public static readonly IPAddress VipManagerVip = IPAddress.Parse("198.51.100.3");

    /// <summary>Pigsty's primary service port, on both VIPs.</summary>
    public const int PrimaryPort = 5433;

    /// <summary>HAProxy's stats page: anything but pgway's 9101.</summary>
    public const int HaproxyStatsPort = 9111;

    public const string TableSql = "CREATE TABLE vip_writes (id bigserial PRIMARY KEY, stack text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())";

    public static string Pgway(MultiHostCluster cluster, BenchSettings settings) => Render(cluster, settings, PgwayVip,
    [
        new("pg_vip_enabled", "true"),
        new("pg_vip_address", $"{PgwayVip}/{TestNetwork.PrefixLength}"),
        new("pg_vip_interface", NetworkHost.Interface),
    ]);

    public static string Haproxy(MultiHostCluster cluster, BenchSettings settings) => Render(cluster, settings, VipManagerVip,
    [
        new("haproxy_exporter_port", HaproxyStatsPort.ToString(CultureInfo.InvariantCulture)),
    ]);

    private static string Render(MultiHostCluster cluster, BenchSettings settings, IPAddress vip, IEnumerable<KeyValuePair<string, string>> own)
    {
        var credentials = cluster.Credentials;
        return PigstyInventory.Render(
            MultiHostCluster.ClusterName,
            cluster.Members.Select(member => (member.Host.Address, member.Seq, member.Role)),
            [
                new("pg_monitor_password", $"'{credentials.PasswordFor(PgTestUsers.Monitor)}'"),
                new("pg_admin_password", $"'{credentials.PasswordFor(PgTestUsers.Dba)}'"),
                new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
                new("pgbouncer_poolmode", "transaction"),
                new("pg_dcs", $"{{type: etcd, namespace: /pg, endpoints: [{string.Join(", ", cluster.EtcdEndpoints.Select(endpoint => "http://" + endpoint))}]}}"),

                // The primary service only, through the primary's node pooler (Pigsty's default), on this stack's VIP.
                new("pg_default_services", $"[{{name: primary, port: {PrimaryPort}, ip: '{vip}', dest: default, check: /primary, selector: '[]', options: '{settings.Options}'}}]"),

                // Pigsty's default rules admit only the private ranges as the intranet; the segment is TEST-NET-2.
                new("pgb_hba_rules", $"[{{user: all, db: all, addr: '{TestNetwork.Subnet}', auth: pwd, title: 'the test network'}}]"),
                .. own,
            ]);
    }

    /// <summary>The business user's connection string to the relay on <paramref name="port"/>.</summary>
    public static string ConnectionString(int port, PgTestCredentials credentials) =>
        new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = IPAddress.Loopback.ToString(),
            Port = port,
            Username = PgTestUsers.Meta,
            Password = credentials.PasswordFor(PgTestUsers.Meta),
            Database = PgTestUsers.TestDatabase,
            SslMode = Npgsql.SslMode.Disable,
            GssEncryptionMode = Npgsql.GssEncryptionMode.Disable,
            Pooling = false,
            Timeout = 2,
            CommandTimeout = 2,
        }.ConnectionString;
}
