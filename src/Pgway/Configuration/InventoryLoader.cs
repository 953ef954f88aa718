using System.Collections.Immutable;
using System.Net;
using Newtonsoft.Json.Linq;
using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>
/// Loads a Pigsty-style inventory into a <see cref="Topology"/>, validating all of it
/// and reporting every problem with its file and line.
/// </summary>
internal static class InventoryLoader
{
    public static LoadResult LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new LoadResult(null, [new Diagnostic(DiagnosticSeverity.Error, new SourceLocation(path, 0, 0), $"cannot read the inventory: {e.Message}")]);
        }
        return LoadText(text, path);
    }

    public static LoadResult LoadText(string text, string file)
    {
        var diagnostics = new DiagnosticBag();
        var root = YamlSource.Parse(text, file, diagnostics);
        if (root is null)
        {
            return new LoadResult(null, diagnostics.ToImmutable());
        }
        var clusters = new List<Cluster>();
        try
        {
            var reader = new InventoryReader(file, diagnostics);
            var sources = reader.Read(root);
            var infra = reader.InfraHosts.ToImmutableArray();
            var servicePorts = new List<(Service Service, SourceLocation PortLocation, string Where)>();
            foreach (var source in sources)
            {
                if (BuildCluster(source, infra, diagnostics, servicePorts) is { } cluster)
                {
                    clusters.Add(cluster);
                }
            }
            CheckPortClashes(clusters, servicePorts, diagnostics);
            CheckFullNames(clusters, diagnostics);
        }
        catch (YamlExpansionException e)
        {
            diagnostics.Error(YamlSource.Locate(file, e.Node), e.Message);
        }
        var topology = diagnostics.HasErrors ? null : new Topology(file, [.. clusters]);
        return new LoadResult(topology, diagnostics.ToImmutable());
    }

    private static Cluster? BuildCluster(ClusterSource source, ImmutableArray<string> infra, DiagnosticBag diagnostics, List<(Service, SourceLocation, string)> servicePorts)
    {
        if (!ClusterNames.IsValid(source.Name))
        {
            diagnostics.Error(source.Variables["pg_cluster"]?.Location ?? source.Location,
                $"pg_cluster '{source.Name}' may hold only letters, digits, '-' and '_'");
        }

        var instanceBuilder = new InstanceBuilder(diagnostics);
        var hbaReader = new PoolerHbaReader(diagnostics);
        var members = source.Hosts.Select(h => h.Address).ToImmutableArray();
        var instances = source.Hosts
            .Select(h => instanceBuilder.Build(source.Name, h) is { } instance ? instance with { PoolerHba = hbaReader.Read(h, instance, members, infra) } : null)
            .OfType<Instance>().ToImmutableArray();
        foreach (var clash in instances.GroupBy(i => i.Seq).Where(g => g.Count() > 1))
        {
            foreach (var instance in clash.Skip(1))
            {
                diagnostics.Error(instance.Location, $"pg_seq {clash.Key} of '{instance.Address}' is already used by '{clash.First().Address}' in cluster '{source.Name}' (line {clash.First().Location.Line})");
            }
        }
        var primaries = instances.Where(i => i.Role == InstanceRole.Primary).ToList();
        if (primaries.Count > 1)
        {
            diagnostics.Warning(primaries[1].Location, $"cluster '{source.Name}' has {primaries.Count} instances with pg_role: primary ({string.Join(", ", primaries.Select(p => p.Name))}); only one can be the primary");
        }

        var vip = new VipReader(diagnostics).Read(source, instances);
        var specs = new ServiceReader(diagnostics).Read(source);
        var serviceBuilder = new ServiceBuilder(diagnostics);
        var services = new List<Service>();
        foreach (var spec in specs)
        {
            if (services.FirstOrDefault(s => s.Name == spec.Name.Value) is { } twin)
            {
                diagnostics.Error(spec.Name.Location, $"cluster '{source.Name}' already has a service named '{spec.Name.Value}' ({twin.Location})");
                continue;
            }
            if (serviceBuilder.Build(spec, source.Name, vip?.Host, instances) is { } service)
            {
                services.Add(service);
                servicePorts.Add((service, spec.Port.Location, spec.BuiltIn ? "one of Pigsty's default services" : $"line {spec.Port.Location.Line}"));
            }
        }

        var (provider, providerNodes) = ReadProvider(source, instanceBuilder, diagnostics);
        return new Cluster(source.Name, vip, instances, [.. services],
            Names(source.Variables.Value("pg_users")), Names(source.Variables.Value("pg_databases")),
            source.Variables.Value("pg_admin_username")?.ToString() ?? "dbuser_dba", source.Location)
        {
            Pooler = new PoolerSettingsReader(diagnostics).Read(source),
            Dcs = DcsConfigReader.Read(source, diagnostics),
            ServiceProvider = provider,
            ProviderNodes = providerNodes,
            Dns = new DnsReader(diagnostics).Read(source),
        };
    }

    /// <summary>
    /// Pigsty's <c>pg_service_provider</c>: a group's nodes serve the cluster's services, and its own nodes do not.
    /// A name that is no group of the inventory is ignored, as Pigsty ignores it, with a warning.
    /// </summary>
    private static (string? Group, ImmutableArray<ServiceNode> Nodes) ReadProvider(ClusterSource source, InstanceBuilder builder, DiagnosticBag diagnostics)
    {
        if (source.Provider is not { } provider)
        {
            return (null, []);
        }
        if (provider.Hosts is not { } hosts)
        {
            diagnostics.Warning(provider.Variable.Location, $"pg_service_provider '{provider.Group}' of cluster '{source.Name}' names no group of the inventory: as Pigsty does, the cluster's own nodes serve its services");
            return (null, []);
        }
        if (hosts.IsEmpty)
        {
            diagnostics.Warning(provider.Variable.Location, $"pg_service_provider '{provider.Group}' of cluster '{source.Name}' names a group without hosts: no node serves the cluster's services");
        }
        return (provider.Group, [.. hosts.Select(builder.BuildServiceNode).OfType<ServiceNode>()]);
    }

    /// <summary>Full names name haproxy sections and pg_service.conf entries: cluster 'pg' with service
    /// 'test-primary' and cluster 'pg-test' with 'primary' would collide there.</summary>
    private static void CheckFullNames(List<Cluster> clusters, DiagnosticBag diagnostics)
    {
        foreach (var twins in clusters.SelectMany(c => c.Services).GroupBy(s => s.FullName).Where(g => g.Count() > 1))
        {
            var first = twins.First();
            foreach (var service in twins.Skip(1))
            {
                diagnostics.Error(service.Location, $"service '{service.Name}' of cluster '{service.Cluster}' has the full name '{service.FullName}', as service '{first.Name}' of cluster '{first.Cluster}' does; rename one");
            }
        }
    }

    private static ImmutableArray<string> Names(JToken? list) =>
        list is JArray array
            ? [.. array.Select(item => item is JObject o ? o["name"]?.ToString() : item.Type == JTokenType.String ? item.ToString() : null).OfType<string>()]
            : [];

    /// <summary>
    /// Two listeners on one address and port cannot both start. Services clash when their ports match
    /// and their binds overlap ('*' overlaps everything) on a node that hosts both; a service port also
    /// clashes with the ports the node's own processes (postgres, pooler, agent, exporter, stats page) use.
    /// </summary>
    private static void CheckPortClashes(List<Cluster> clusters, List<(Service Service, SourceLocation PortLocation, string Where)> services, DiagnosticBag diagnostics)
    {
        var nodesOf = clusters.ToDictionary(c => c.Name, c => c.ServiceAddresses.ToHashSet(StringComparer.Ordinal));
        for (var i = 0; i < services.Count; i++)
        {
            var (service, location, _) = services[i];
            for (var j = 0; j < i; j++)
            {
                var (other, _, where) = services[j];
                var shareNode = other.Cluster == service.Cluster || nodesOf[other.Cluster].Overlaps(nodesOf[service.Cluster]);
                var bindsOverlap = service.Bind == Service.AnyAddress || other.Bind == Service.AnyAddress || service.Bind == other.Bind;
                if (other.Port == service.Port && shareNode && bindsOverlap)
                {
                    diagnostics.Error(location, $"service '{service.FullName}' listens on {service.Bind}:{service.Port}, which '{other.FullName}' ({where}) already uses");
                    break;
                }
            }
            var cluster = clusters.First(c => c.Name == service.Cluster);
            if (cluster.ProviderNodes.FirstOrDefault(n => n.AdminPort == service.Port) is { } node)
            {
                diagnostics.Error(location, $"service '{service.FullName}' port {service.Port} is the haproxy_exporter_port of node '{node.Address}' (pg_service_provider '{cluster.ServiceProvider}'); pick another port");
                continue;
            }
            // With a provider, the services do not run on the instances' nodes.
            foreach (var instance in cluster.ServiceProvider is null ? cluster.Instances : [])
            {
                var taken = service.Port == instance.PgPort ? "pg_port"
                    : service.Port == instance.PgbouncerPort ? "pgbouncer_port"
                    : service.Port == instance.PatroniPort ? "patroni_port"
                    : service.Port == instance.PgExporterPort ? "pg_exporter_port"
                    : service.Port == instance.HaproxyExporterPort ? "haproxy_exporter_port"
                    : null;
                if (taken is not null)
                {
                    diagnostics.Error(location, $"service '{service.FullName}' port {service.Port} is the {taken} of {instance.Name}; pick another port");
                    break;
                }
            }
        }
    }
}
