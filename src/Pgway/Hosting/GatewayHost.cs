using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Admin;
using Pgway.Agent;
using Pgway.Health;
using Pgway.Model;
using Pgway.Pooling;
using Pgway.Routing;

namespace Pgway.Hosting;

/// <summary>
/// Everything one pgway process runs for the nodes it hosts: the health agents and poolers of their
/// instances, the health monitor, and a listener for every service of their clusters. Services bound to
/// <c>*</c> listen once, on every address, and serve as each hosted node's entry point.
/// </summary>
public sealed partial class GatewayHost : IAsyncDisposable
{
    // Replaced whole by a reload (copy on write), so readers never see a list being changed.
    private List<ServiceListener> listeners;
    // dest: pool services, replaced whole by a reload like the listeners.
    private List<PoolService> poolServices;
    private readonly HealthMonitor monitor;
    private readonly AgentServer? agents;
    private readonly List<Pooler> poolers;
    private readonly List<string> poolerInstances;
    private AdminEndpoint? admin;

    private GatewayHost(IReadOnlyList<Cluster> clusters, List<ServiceListener> listeners, List<PoolService> poolServices, HealthMonitor monitor, AgentServer? agents, List<Pooler> poolers, List<string> poolerInstances)
    {
        Clusters = clusters;
        this.listeners = listeners;
        this.poolServices = poolServices;
        this.monitor = monitor;
        this.agents = agents;
        this.poolers = poolers;
        this.poolerInstances = poolerInstances;
    }

    /// <summary>The admin endpoint's bound addresses (stats page, <c>/status.json</c>, <c>/metrics</c>, <c>/healthz</c>); empty when it does not run.</summary>
    public IReadOnlyList<string> AdminUrls => admin?.Urls ?? [];

    public IReadOnlyList<Pooler> Poolers => poolers;

    /// <summary>The hosted clusters as last loaded (at start-up or by <see cref="ReloadAsync"/>).</summary>
    public IReadOnlyList<Cluster> Clusters { get; private set; }

    public IReadOnlyList<ServiceListener> Listeners => listeners;

    /// <summary>The <c>dest: pool</c> services: each a pooler on the service port, pooling to the member its route chooses.</summary>
    public IReadOnlyList<PoolService> PoolServices => poolServices;

    public HealthMonitor Monitor => monitor;

    /// <summary>Every service's counters and members now, for the stats page and metrics.</summary>
    public IReadOnlyList<ServiceRouteSnapshot> Snapshot() => [.. Routes().Select(r => r.Snapshot())];

    /// <summary>Every running service, spliced and pooled, in the inventory's order (as <see cref="Snapshot"/>).</summary>
    public IReadOnlyList<ServicePort> ServicePorts()
    {
        var order = Clusters.SelectMany(c => c.Services).Select((s, i) => (s.FullName, i)).ToDictionary(k => k.FullName, k => k.i);
        return [.. listeners.Select(l => new ServicePort(l.Route, l.LocalEndPoint, Pooled: false))
            .Concat(poolServices.Select(p => new ServicePort(p.Route, p.Pooler.LocalEndPoint, Pooled: true)))
            .OrderBy(p => order.GetValueOrDefault(p.Route.Service.FullName, int.MaxValue))];
    }

    private IEnumerable<ServiceRoute> Routes() => ServicePorts().Select(p => p.Route);

    /// <summary>What <c>/metrics</c> shows now: every service, member and pool, read from snapshots.</summary>
    public string Metrics() =>
        MetricsReport.Write(Snapshot(), PoolerReadings()) + DcsMetrics();

    /// <summary>
    /// Where the admin endpoint listens: each hosted instance's (and <c>pg_service_provider</c> node's) address and
    /// <c>haproxy_exporter_port</c>, once per address, asking for the credentials the first one there names.
    /// </summary>
    public static IReadOnlyList<AdminListen> AdminListens(IReadOnlyList<Cluster> clusters, IReadOnlyList<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(nodes);
        var listens = new List<AdminListen>();
        foreach (var instance in clusters.SelectMany(c => c.Instances).Where(i => nodes.Contains(i.Address)))
        {
            if (!IPAddress.TryParse(instance.Address, out var address))
            {
                throw new ArgumentException($"the admin endpoint of {instance.Name} needs an IP address, not '{instance.Address}' (or run serve with --no-admin)", nameof(clusters));
            }
            Listen(listens, new IPEndPoint(address, instance.HaproxyExporterPort), instance.AdminAuth);
        }
        // A pg_service_provider node runs services without an instance: its stats page shows them.
        foreach (var node in clusters.SelectMany(c => c.ProviderNodes).Where(n => nodes.Contains(n.Address)))
        {
            if (!IPAddress.TryParse(node.Address, out var address))
            {
                throw new ArgumentException($"the admin endpoint of node '{node.Address}' needs an IP address (or run serve with --no-admin)", nameof(clusters));
            }
            Listen(listens, new IPEndPoint(address, node.AdminPort), node.AdminAuth);
        }
        return listens;
    }

    private static void Listen(List<AdminListen> listens, IPEndPoint endPoint, AdminCredentials? credentials)
    {
        var index = listens.FindIndex(l => l.EndPoint.Equals(endPoint));
        if (index < 0)
        {
            listens.Add(new AdminListen(endPoint, credentials));
        }
        else if (listens[index].Credentials is null && credentials is not null)
        {
            listens[index] = listens[index] with { Credentials = credentials };
        }
    }

    /// <summary>
    /// The clusters with an instance on one of the nodes or served on one (a <c>pg_service_provider</c> node), or an
    /// error naming the node that has neither.
    /// </summary>
    public static IReadOnlyList<Cluster> HostedClusters(Topology topology, IReadOnlyList<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(nodes);
        foreach (var node in nodes)
        {
            if (!topology.Clusters.Any(c => c.Instances.Any(i => i.Address == node) || c.ServesOn(node)))
            {
                throw new ArgumentException($"no instance on node '{node}' in {topology.SourceFile}, and no cluster's pg_service_provider group lists it", nameof(nodes));
            }
        }
        return [.. topology.Clusters.Where(c => c.Instances.Any(i => nodes.Contains(i.Address)) || nodes.Any(c.ServesOn))];
    }

    /// <summary>
    /// The services the nodes run: those of the clusters served on them. A cluster with a <c>pg_service_provider</c>
    /// runs its services on that group's nodes, and its own nodes run only its instances' agents and poolers.
    /// </summary>
    public static IEnumerable<Service> HostedServices(IReadOnlyList<Cluster> clusters, IReadOnlyList<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(nodes);
        return clusters.Where(c => nodes.Any(c.ServesOn)).SelectMany(c => c.Services);
    }

    /// <summary>Starts the agents, the listeners and the monitor; on any failure, stops what it started and throws.</summary>
    public static async Task<GatewayHost> StartAsync(Topology topology, GatewayOptions options, TimeProvider time, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logging);
        var clusters = HostedClusters(topology, options.Nodes);
        var logger = logging.CreateLogger<GatewayHost>();
        AgentServer? agents = null;
        var listeners = new List<ServiceListener>();
        var poolServices = new List<PoolService>();
        var poolers = new List<Pooler>();
        var poolerInstances = new List<string>();
        AdminEndpoint? admin = null;
        var services = HostedServices(clusters, options.Nodes).ToList();
        var monitor = new HealthMonitor(services, options.Health, new HealthProbeFactory(time), time, logging.CreateLogger<HealthMonitor>());
        var admission = ClientAdmission.ForThisProcess(options.Admission);
        var raisedFrom = admission.RaisedFrom?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "the same";
        var startupSeconds = admission.Limits.StartupTimeout.TotalSeconds;
        LogAdmission(logger, admission.DescriptorLimit, raisedFrom, admission.DescriptorsAtStart, admission.Limits.DescriptorReserve, admission.ClientCapacity, admission.StartingCapacity, startupSeconds);
        GatewayHost? self = null;
        try
        {
            if (options.RunAgents)
            {
                var hosted = clusters.SelectMany(c => c.Instances).Where(i => options.Nodes.Contains(i.Address));
                agents = await AgentServer.StartAsync(
                    [.. hosted.Select(i => new PatroniAgent(InstanceSettings.Agent(i, options.AgentCacheMaxAge, options.AgentTimeout), time, logging.CreateLogger<PatroniAgent>()))],
                    options.AgentLimits, cancellationToken);
            }
            if (options.RunPoolers)
            {
                foreach (var cluster in clusters)
                {
                    foreach (var instance in cluster.Instances.Where(i => options.Nodes.Contains(i.Address) && PoolerSetup.IsEnabled(i)))
                    {
                        var poolerLogger = logging.CreateLogger<Pooler>();
                        var poolerOptions = PoolerSetup.For(cluster, instance, topology.SourceFile) with
                        {
                            Reloader = PoolerSetup.Reloader(cluster.Name, instance.Address, topology.SourceFile, poolerLogger),
                            // The console's RELOAD reloads the whole process, services included.
                            InventoryReload = cancellationToken => self is null ? Task.FromResult<string?>("pgway is still starting") : self.ReloadForConsoleAsync(cancellationToken),
                            Switchover = new ConsoleSwitchover(
                                (cluster, to, cancellationToken) => self is null
                                    ? Task.FromResult(new Switchover.SwitchoverResult(cluster, false, null, null, null, 0, 0, [], "pgway is still starting"))
                                    : self.SwitchoverAsync(cluster, to, Switchover.SwitchoverOptions.Default, cancellationToken),
                                (member, force, cancellationToken) => self is null ? Task.FromResult<string?>("pgway is still starting") : self.UnfenceAsync(member, force, cancellationToken),
                                () => self is null ? [] : self.SwitchoverState()),
                            Admission = admission,
                        };
                        var pooler = Pooler.Start(poolerOptions, time, poolerLogger);
                        poolers.Add(pooler);
                        poolerInstances.Add(instance.Name);
                        LogPooling(logger, instance.Name, pooler.LocalEndPoint, pooler.Options.Backend, cluster.Pooler.PoolMode);
                    }
                }
            }
            foreach (var service in services)
            {
                if (service.IsPool)
                {
                    poolServices.Add(StartPoolService(clusters.First(c => c.Name == service.Cluster), service, monitor, topology.SourceFile, options, admission, time, logging, logger,
                        cancellationToken => self is null ? Task.FromResult<string?>("pgway is still starting") : self.ReloadForConsoleAsync(cancellationToken)));
                }
                else
                {
                    listeners.Add(StartListener(service, monitor, options, admission, time, logging, logger));
                }
            }
            var host = new GatewayHost(clusters, listeners, poolServices, monitor, agents, poolers, poolerInstances);
            host.FollowEvents(time);
            host.KeepForReload(topology, options, admission, time, logging);
            self = host;
            if (options.RunAdmin)
            {
                var adminListens = AdminListens(clusters, options.Nodes);
                admin = await AdminEndpoint.StartAsync(adminListens, host.AdminSources(), options.Admin with { Time = time }, cancellationToken);
                host.admin = admin;
                LogAdmin(logger, admin.Urls);
                // Once bound: a second pgway that failed to bind must not replace the running one's token.
                host.WriteAdminTokens(adminListens, options.AdminTokenDirectory, logger);
            }
            monitor.Start();
            host.StartDcsWatches(clusters, options.Dcs, time, logging);
            return host;
        }
        catch
        {
            self?.StopHistory();
            await StopAsync(listeners, poolServices, monitor, agents, poolers, admin);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        StopHistory();
        DeleteAdminTokens();
        await StopRetiringAsync();
        await StopDcsWatchesAsync();
        await StopAsync(listeners, poolServices, monitor, agents, poolers, admin);
        patroniApi.Dispose();
    }

    /// <summary>A <c>dest: pool</c> service's pooler and route; throws <see cref="SocketException"/> when its port is taken.</summary>
    private static PoolService StartPoolService(Cluster cluster, Service service, HealthMonitor monitor, string inventoryFile, GatewayOptions options, ClientAdmission admission, TimeProvider time, ILoggerFactory logging, ILogger logger,
        Func<CancellationToken, Task<string?>> inventoryReload)
    {
        var pooled = PoolService.Start(cluster, service, monitor, inventoryFile, options, time, logging, admission, inventoryReload);
        LogPoolService(logger, service.FullName, service.Bind, service.Port, cluster.Pooler.PoolMode);
        return pooled;
    }

    /// <summary>A service's route, fed by the monitor, and its listener; throws <see cref="SocketException"/> when its port is taken.</summary>
    private static ServiceListener StartListener(Service service, HealthMonitor monitor, GatewayOptions options, ClientAdmission admission, TimeProvider time, ILoggerFactory logging, ILogger logger)
    {
        var route = new ServiceRoute(service, m => monitor.Find(service.FullName, m.Name), options.Listeners.QueueTimeout, time);
        monitor.StateChanged += route.OnHealthChanged;
        var bind = service.Bind == Service.AnyAddress ? (Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any) : IPAddress.Parse(service.Bind);
        try
        {
            var listener = ServiceListener.Start(route, new IPEndPoint(bind, service.Port), options.Listeners, time, logging.CreateLogger<ServiceListener>(), admission);
            LogListening(logger, service.FullName, service.Bind, service.Port, service.Destination);
            return listener;
        }
        catch
        {
            monitor.StateChanged -= route.OnHealthChanged;
            throw;
        }
    }

    // Each part stops even if another failed to: a stuck listener must not leave the agents running.
    private static async ValueTask StopAsync(List<ServiceListener> listeners, List<PoolService> poolServices, HealthMonitor monitor, AgentServer? agents, List<Pooler> poolers, AdminEndpoint? admin)
    {
        var failures = new List<Exception>();
        async Task Try(Func<ValueTask> stop)
        {
            try
            {
                await stop();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        if (admin is not null)
        {
            await Try(admin.DisposeAsync);
        }
        foreach (var listener in listeners)
        {
            await Try(listener.DisposeAsync);
        }
        foreach (var pooled in poolServices)
        {
            await Try(pooled.DisposeAsync);
        }
        foreach (var pooler in poolers)
        {
            await Try(pooler.DisposeAsync);
        }
        await Try(monitor.DisposeAsync);
        if (agents is not null)
        {
            await Try(agents.DisposeAsync);
        }
        if (failures.Count > 0)
        {
            throw new AggregateException("pgway did not stop cleanly", failures);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Instance} pooler listening on {Listen} → {Backend} ({Mode} mode)")]
    private static partial void LogPooling(ILogger logger, string instance, IPEndPoint listen, IPEndPoint backend, PoolMode mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service} listening on {Bind}:{Port} → pool to the members' postgres ({Mode} mode)")]
    private static partial void LogPoolService(ILogger logger, string service, string bind, int port, PoolMode mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "admin endpoint (stats page /, /status.json, /metrics, /healthz) listening on {Urls}")]
    private static partial void LogAdmin(ILogger logger, IReadOnlyList<string> urls);

    [LoggerMessage(Level = LogLevel.Information, Message = "open-files limit {Limit} (soft limit before: {RaisedFrom}), {InUse} open at start, {Reserve} kept in reserve: at most {Clients} clients, {Starting} of them still starting (each {StartupSeconds:0.#}s at most)")]
    private static partial void LogAdmission(ILogger logger, long limit, string raisedFrom, int inUse, int reserve, int clients, int starting, double startupSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service} listening on {Bind}:{Port} → {Destination}")]
    private static partial void LogListening(ILogger logger, string service, string bind, int port, PortReference destination);
}
