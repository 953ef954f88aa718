using Pgway.Model;

namespace Pgway.Access;

/// <summary>
/// Every connection string a user of a cluster can use: each host form (cluster name, VIP,
/// instance name, instance IP) with each port that answers there, and multi-host URLs that
/// let libpq find the primary or prefer a standby by itself.
/// </summary>
internal static class ConnectionUrls
{
    /// <summary>The user URLs are written for: the one asked for, else the first business user, else the admin.</summary>
    public static string DefaultUser(Cluster cluster) => cluster.Users.FirstOrDefault() ?? cluster.AdminUser;

    public static string DefaultDatabase(Cluster cluster) => cluster.Databases.FirstOrDefault() ?? "postgres";

    public static IReadOnlyList<ConnectionUrl> For(Cluster cluster, string user, string database)
    {
        var urls = new List<ConnectionUrl>();
        if (cluster.Instances.IsEmpty)
        {
            return urls;
        }
        var reference = cluster.Primary ?? cluster.Instances[0];
        var hosts = new List<(string Kind, string Host, Instance Node)> { ("cluster", cluster.Name, reference) };
        if (cluster.Vip is { } vip)
        {
            hosts.Add(("vip", vip.Host, reference));
        }
        hosts.AddRange(cluster.Instances.Select(i => ("instance", i.Name, i)));
        hosts.AddRange(cluster.Instances.Select(i => ("ip", i.Address, i)));

        foreach (var (kind, host, node) in hosts)
        {
            urls.Add(Url(kind, host, node.PgPort, PortReference.Postgres, user, database));
            urls.Add(Url(kind, host, node.PgbouncerPort, PortReference.Pgbouncer, user, database));
            foreach (var service in cluster.Services.Where(s => Answers(s, kind, host, node, cluster)))
            {
                urls.Add(Url(kind, host, service.Port, service.Name, user, database));
            }
        }

        foreach (var (target, port) in new[] { (PortReference.Postgres, (Func<Instance, int>)(i => i.PgPort)), (PortReference.Pgbouncer, i => i.PgbouncerPort) })
        {
            var list = string.Join(',', cluster.Instances.Select(i => $"{UrlHost(i.Address)}:{port(i)}"));
            foreach (var attrs in new[] { "primary", "prefer-standby" })
            {
                urls.Add(new ConnectionUrl("multi-host", list, 0, $"{target} ({attrs})",
                    $"postgres://{user}@{list}/{database}?target_session_attrs={attrs}"));
            }
        }
        return urls;
    }

    /// <summary>A service bound to '*' answers on every node and on the VIP; one bound to an address only there.</summary>
    private static bool Answers(Service service, string kind, string host, Instance node, Cluster cluster) =>
        service.Bind == Service.AnyAddress ||
        (kind is "cluster" or "vip" && service.Bind == cluster.Vip?.Host) ||
        (kind is "instance" or "ip" && service.Bind == node.Address);

    private static ConnectionUrl Url(string kind, string host, int port, string target, string user, string database) =>
        new(kind, host, port, target, $"postgres://{user}@{UrlHost(host)}:{port}/{database}");

    /// <summary>An IPv6 address in a URL goes in brackets, or its colons would read as a port.</summary>
    private static string UrlHost(string host) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
}
