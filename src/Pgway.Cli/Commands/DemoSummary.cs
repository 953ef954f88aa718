using Pgway.Demo;
using Pgway.Hosting;
using Pgway.Model;

namespace Pgway.Cli.Commands;

/// <summary>What <c>pgway demo</c> prints once its services are up: who serves what, and what to try.</summary>
internal static class DemoSummary
{
    public static void Write(TextWriter output, GatewayHost host, LocalCluster local, DemoOptions options, bool settled, bool interactive)
    {
        var instances = string.Join(", ", local.Instances.Select(i => $"{i.Name} {i.Address}:{i.Port} ({Role(local, i)})"));
        output.WriteLine();
        output.WriteLine($"{DemoInventory.ClusterName} is up: {instances}");
        output.WriteLine($"data and logs in {options.Directory}; the inventory is {Path.Combine(options.Directory, DemoInventory.FileName)}");
        output.WriteLine();
        output.WriteLine(settled ? "services (as the health checks see them):" : "services (the health checks have not settled yet; this is what they see now):");
        WriteServices(output, host);
        var poolers = host.Poolers.Select(p => p.LocalEndPoint.ToString()).ToList();
        if (poolers.Count > 0)
        {
            output.WriteLine($"  {"poolers",-17} {string.Join("  ", poolers)} ({host.Poolers[0].Options.Settings.PoolMode.ToString().ToLowerInvariant()} mode)");
        }
        var agents = host.Clusters.SelectMany(c => c.Instances).Select(i => $"http://{i.Address}:{i.PatroniPort}");
        output.WriteLine($"  {"health agents",-17} {string.Join("  ", agents)}  (/primary /replica /read-only /health)");

        output.WriteLine();
        output.WriteLine("try:");
        var ports = host.ServicePorts();
        var entry = ports.Count > 0 ? EntryAddress(ports[0], local) : local.Primary.Address;
        var first = local.Primary.Inventory;
        var (admin, adminPassword) = DemoRoles.Admin(first);
        var (user, password, database) = DemoRoles.BusinessUser(first) ?? (admin, adminPassword, "postgres");
        string Url(string who, string secret, string address, int port, string db) =>
            $"postgres://{Uri.EscapeDataString(who)}:{Uri.EscapeDataString(secret)}@{address}:{port}/{Uri.EscapeDataString(db)}";
        foreach (var port in ports)
        {
            var service = port.Route.Service;
            output.WriteLine($"  psql {Url(user, password, entry, service.Port, database),-52} {Explain(service)}");
        }
        var pooler = local.Primary.Inventory.PgbouncerPort;
        output.WriteLine($"  psql {Url(user, password, local.Primary.Address, pooler, database),-52} the pooler of {local.Primary.Name}");
        output.WriteLine($"  psql {Url(admin, adminPassword, local.Primary.Address, pooler, "pgbouncer"),-52} its admin console: SHOW POOLS; SHOW CLIENTS;");
        if (host.AdminUrls.Count > 0)
        {
            var adminUrl = $"http://{local.Primary.Address}:{local.Primary.Inventory.HaproxyExporterPort}";
            output.WriteLine($"  {adminUrl + "/",-57} the stats page; {adminUrl}/metrics for Prometheus");
        }
        if (host.DnsEndPoints.Count > 0)
        {
            var (dns, name) = (host.DnsEndPoints[0], host.Clusters[0].Name);
            output.WriteLine($"  {$"dig @{dns.Address} -p {dns.Port} +short {name} primary.{name}",-57} the cluster's names from the live routing (docs/dns.md)");
        }
        var inventory = Path.Combine(options.Directory, DemoInventory.FileName);
        output.WriteLine($"  pgway services -c {inventory}");
        output.WriteLine($"  pgway urls -c {inventory} --user {user} --db {database}");
        output.WriteLine();
        var standby = local.Standbys.FirstOrDefault(s => s.Inventory.Role != InstanceRole.Offline);
        var failover = standby is null ? "" : $"{(interactive ? "press f" : "write a line 'f' to stdin")} to fail over (stop {local.Primary.Name}, promote {standby.Name}); ";
        output.WriteLine($"{failover}Ctrl-C stops everything{(options.Keep ? " and keeps the data" : $" and removes {options.Directory} (--keep keeps it)")}");
    }

    /// <summary>One line per service: its address, destination, and each member's state as the checks see it.</summary>
    public static void WriteServices(TextWriter output, GatewayHost host)
    {
        foreach (var port in host.ServicePorts())
        {
            var service = port.Route.Service;
            var snapshot = port.Route.Snapshot();
            var members = snapshot.Members.Select(m => $"{m.Name} {m.Health?.Status ?? (m.IsUp ? "UP" : "DOWN")}{(m.IsBackup ? " (backup)" : "")}");
            output.WriteLine($"  {service.FullName,-17} {port.LocalEndPoint,-17} → {service.Destination,-10} {string.Join(", ", members)}");
        }
    }

    // The role it runs in now; the inventory's primary runs as a replica after a failover.
    private static string Role(LocalCluster local, LocalInstance instance) =>
        instance == local.Primary ? "primary"
        : instance.Inventory.Role == InstanceRole.Primary ? "replica"
        : instance.Inventory.Role.ToString().ToLowerInvariant();

    private static string EntryAddress(ServicePort port, LocalCluster local)
    {
        var bind = port.Route.Service.Bind;
        return bind == Service.AnyAddress ? local.Primary.Address : bind;
    }

    private static string Explain(Service service) => service.Name switch
    {
        "primary" => service.IsPool ? "read-write: the primary, pooled by pgway (follows a failover)" : "read-write: the primary, through its pooler",
        "replica" => service.IsPool ? "read-only: the replicas, pooled by pgway" : "read-only: the replicas, through their poolers",
        "default" => "the primary's postgres, directly",
        "offline" => "the offline replica, for ETL and slow queries",
        _ => $"service {service.FullName}",
    };
}
