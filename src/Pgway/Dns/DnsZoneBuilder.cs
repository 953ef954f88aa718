using System.Collections.Immutable;
using System.Net;

namespace Pgway.Dns;

/// <summary>
/// The names of each cluster (S = its <c>pg_dns_suffix</c>): <c>&lt;cluster&gt;S</c> per <c>pg_dns_target</c>,
/// <c>&lt;cluster&gt;-&lt;seq&gt;S</c> for each instance, <c>&lt;short&gt;.&lt;cluster&gt;S</c> and
/// <c>_&lt;short&gt;._tcp.&lt;cluster&gt;S</c> for each service, <c>&lt;cluster&gt;-entryS</c> for every entry point, and
/// Consul's <c>primary</c>, <c>master</c>, <c>replica</c> and untagged names under <c>service.consul</c>; at each zone's
/// apex, NS records naming the nodes that serve it (<see cref="DnsNameServer"/>), each with its address.
/// </summary>
internal static class DnsZoneBuilder
{
    /// <summary>Consul's service domain, which Patroni's <c>register_service</c> fills.</summary>
    public const string ConsulDomain = "service.consul";

    public static DnsZone Build(IEnumerable<DnsClusterView> clusters)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var names = new Dictionary<string, DnsNode>(StringComparer.Ordinal);
        var apexes = new HashSet<string>(StringComparer.Ordinal) { ConsulDomain };
        var servers = new Dictionary<string, HashSet<IPAddress>>(StringComparer.Ordinal);
        var zones = new List<string>();
        foreach (var cluster in clusters)
        {
            var suffix = cluster.Suffix.ToLowerInvariant();
            var clusterName = cluster.Name.ToLowerInvariant() + suffix;
            zones.Clear();
            zones.Add(clusterName);
            zones.Add(ConsulDomain);
            if (suffix.Length > 0)
            {
                zones.Add(suffix.TrimStart('.'));
            }
            Add(names, clusterName, Addresses(cluster.Target));
            foreach (var (name, address) in cluster.Instances)
            {
                AddOwn(names, zones, name.ToLowerInvariant() + suffix, Addresses([address]), suffix);
            }
            var targets = new List<DnsSrvTarget>();
            foreach (var service in cluster.Services)
            {
                var shortName = service.ShortName.ToLowerInvariant();
                Add(names, $"{shortName}.{clusterName}", Addresses(service.Up));
                targets.Clear();
                foreach (var entry in cluster.EntryPoints)
                {
                    targets.Add(new DnsSrvTarget(entry.Name.ToLowerInvariant() + suffix, service.Port));
                }
                Add(names, $"_{shortName}._tcp.{clusterName}", new DnsNode([], [.. targets]));
            }
            AddOwn(names, zones, $"{cluster.Name.ToLowerInvariant()}-entry{suffix}", Addresses([.. cluster.EntryPoints.Select(e => e.Address)]), suffix);
            foreach (var entry in cluster.EntryPoints)
            {
                // A provider node has no instance name: its own entry name gives the SRV target an address.
                var entryName = entry.Name.ToLowerInvariant() + suffix;
                if (!names.ContainsKey(entryName))
                {
                    AddOwn(names, zones, entryName, Addresses([entry.Address]), suffix);
                }
            }
            var consul = $"{cluster.Name.ToLowerInvariant()}.{ConsulDomain}";
            Add(names, consul, Addresses(cluster.Running));
            Add(names, $"primary.{consul}", Addresses(cluster.Primary));
            Add(names, $"master.{consul}", Addresses(cluster.Primary));
            Add(names, $"replica.{consul}", Addresses(cluster.Replicas));
            // The cluster's entry points answer all of its names alike (a node of a cluster served by a
            // pg_service_provider group knows none of its services): they, and only they, serve its zones.
            foreach (var zone in zones)
            {
                apexes.Add(zone);
                if (!servers.TryGetValue(zone, out var serving))
                {
                    serving = [];
                    servers.Add(zone, serving);
                }
                foreach (var entry in cluster.EntryPoints)
                {
                    serving.Add(entry.Address.IsIPv4MappedToIPv6 ? entry.Address.MapToIPv4() : entry.Address);
                }
            }
        }
        AddNameServers(names, servers);
        AddEmptyNonTerminals(names, apexes);
        return new DnsZone(names, apexes);
    }

    // Without a suffix an instance's name (pg-test-1) is in no cluster's zone: it is a zone of its own.
    private static void AddOwn(Dictionary<string, DnsNode> names, List<string> zones, string name, DnsNode node, string suffix)
    {
        if (suffix.Length == 0)
        {
            zones.Add(name);
        }
        Add(names, name, node);
    }

    // NS records at each apex, and each name server's address under the apex (in-zone: no other zone's lookup needed).
    // Sorted by address, so every node lists them alike, and the SOA's MNAME (the first) is the same everywhere.
    private static void AddNameServers(Dictionary<string, DnsNode> names, Dictionary<string, HashSet<IPAddress>> servers)
    {
        foreach (var (apex, addresses) in servers)
        {
            if (addresses.Count == 0)
            {
                continue;
            }
            var nameServers = addresses.Order(AddressOrder.Instance).Select(a => DnsNameServer.For(apex, a)).ToImmutableArray();
            foreach (var server in nameServers)
            {
                Add(names, server.Name, new DnsNode([server.Address], []));
            }
            names[apex] = (names.TryGetValue(apex, out var node) ? node : DnsNode.Empty) with { NameServers = nameServers };
        }
    }

    // The first cluster to claim a name keeps it: names are unique per inventory unless two clusters' names overlap.
    private static void Add(Dictionary<string, DnsNode> names, string name, DnsNode node) => names.TryAdd(name, node);

    private static DnsNode Addresses(ImmutableArray<IPAddress> addresses) => addresses.IsDefaultOrEmpty ? DnsNode.Empty : new DnsNode([.. addresses.Distinct()], []);

    // _tcp.pg-test and the apexes exist without records of their own (NODATA, not NXDOMAIN): RFC 8020.
    private static void AddEmptyNonTerminals(Dictionary<string, DnsNode> names, HashSet<string> apexes)
    {
        foreach (var apex in apexes)
        {
            names.TryAdd(apex, DnsNode.Empty);
        }
        foreach (var name in names.Keys.ToList())
        {
            var parent = name;
            while (!apexes.Contains(parent) && parent.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0)
            {
                parent = parent[(dot + 1)..];
                names.TryAdd(parent, DnsNode.Empty);
            }
        }
    }
}
