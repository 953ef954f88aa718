using System.Net;
using Microsoft.Extensions.Logging;
using Pgway.Admin;
using Pgway.Agent;
using Pgway.Dcs;
using Pgway.Health;
using Pgway.Model;
using Pgway.Pooling;
using Pgway.Routing;
using Pgway.Switchover;

namespace Pgway.Hosting;

/// <summary>
/// Everything one pgway process runs for the nodes it hosts: the health agents and poolers of their
/// instances, the health monitor, and a listener for every service of their clusters. Services bound to
/// <c>*</c> listen once, on every address, and serve as each hosted node's entry point. Made whole, running,
/// by <see cref="StartAsync"/>.
/// </summary>
internal sealed partial class GatewayHost : IAsyncDisposable
{
    private readonly GatewayParts parts;
    private readonly GatewayState state;
    private readonly GatewayReload reload;
    private readonly AgentServer? agents;
    private readonly AdminEndpoint? admin;
    private readonly IReadOnlyList<string> adminTokenFiles;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    internal GatewayHost(GatewayParts parts, AgentServer? agents, AdminEndpoint? admin, IReadOnlyList<string> adminTokenFiles)
    {
        this.parts = parts;
        state = parts.State;
        reload = parts.Reload;
        time = parts.Time;
        logger = parts.Logger;
        this.agents = agents;
        this.admin = admin;
        this.adminTokenFiles = adminTokenFiles;
    }

    /// <summary>
    /// Starts the agents, the poolers, the listeners, the admin endpoint, the monitor and the DCS watches; on any
    /// failure, stops what it started and throws. See <see cref="GatewayHostBuilder"/>.
    /// </summary>
    public static Task<GatewayHost> StartAsync(Topology topology, GatewayOptions options, TimeProvider time, ILoggerFactory logging, CancellationToken cancellationToken) =>
        GatewayHostBuilder.StartAsync(topology, options, time, logging, cancellationToken);

    /// <summary>The admin endpoint's bound addresses (stats page, <c>/status.json</c>, <c>/metrics</c>, <c>/healthz</c>); empty when it does not run.</summary>
    public IReadOnlyList<string> AdminUrls => admin?.Urls ?? [];

    /// <summary>The hosted instances' poolers, in the inventory's order.</summary>
    public IReadOnlyList<Pooler> Poolers => [.. state.Poolers.Select(p => p.Pooler)];

    /// <summary>The hosted clusters as last loaded (at start-up or by <see cref="ReloadAsync"/>).</summary>
    public IReadOnlyList<Cluster> Clusters => state.Clusters;

    /// <summary>The spliced services' listeners, in the inventory's order.</summary>
    public IReadOnlyList<ServiceListener> Listeners => state.Listeners;

    /// <summary>The <c>dest: pool</c> services: each a pooler on the service port, pooling to the member its route chooses.</summary>
    public IReadOnlyList<PoolService> PoolServices => state.PoolServices;

    public HealthMonitor Monitor => parts.Monitor;

    /// <summary>Where the DNS server listens (UDP and TCP); empty when it does not run.</summary>
    public IReadOnlyList<IPEndPoint> DnsEndPoints => parts.Dns.EndPoints;

    /// <summary>The names the DNS server answers now, from the live routing.</summary>
    public Dns.DnsZone DnsZone() => parts.Dns.Zone();

    /// <summary>The epoll loops the services' sessions run on (tests hold one still to line events up on it).</summary>
    internal Transport.EpollLoopGroup Loops => parts.Loops;

    /// <summary>Every service's counters and members now, for the stats page and metrics.</summary>
    public IReadOnlyList<ServiceRouteSnapshot> Snapshot() => parts.Status.Snapshot();

    /// <summary>Every running service, spliced and pooled, in the inventory's order (as <see cref="Snapshot"/>).</summary>
    public IReadOnlyList<ServicePort> ServicePorts() => state.ServicePorts();

    /// <summary>What <c>/metrics</c> shows now: every service, member and pool, read from snapshots.</summary>
    public string Metrics() => parts.Status.Metrics();

    /// <summary>
    /// The status document now: every service and member, every pool, the latest member state changes, and the last
    /// minutes of each service's and member's counts.
    /// </summary>
    public StatusReport Status() => parts.Status.Status();

    /// <summary>Where the configuration in use was read from, read again by <see cref="ReloadFromFileAsync"/>.</summary>
    public string SourceFile => state.Topology.SourceFile;

    /// <summary>Listeners of removed services still running sessions.</summary>
    public int RetiringServices => parts.Retirement.Count;

    /// <summary>Reads <see cref="SourceFile"/> again and applies it (see <see cref="ReloadAsync"/>); its errors reject it, each logged with file and line.</summary>
    public Task<ReloadResult> ReloadFromFileAsync(CancellationToken cancellationToken) => reload.ReloadFromFileAsync(cancellationToken);

    /// <summary>
    /// Applies <paramref name="next"/> live. Services are compared by full name, bind address and port:
    /// new ones start listening; removed ones stop accepting and their sessions run on until they end
    /// or <see cref="GatewayOptions.DrainTimeout"/>; changed ones take their new members, weights,
    /// balance, options and checks for new connections, established ones untouched. Each pooler, a
    /// node's or a <c>dest: pool</c> port's, takes its new settings (as the console's RELOAD): users,
    /// passwords, hba, limits and TLS. A configuration that does not fit (a hosted node missing, a
    /// pooler's auth or hba file with errors, a TLS file missing or bad) is rejected and nothing changes.
    /// </summary>
    /// <remarks>A pooler, agent or admin endpoint added or removed needs a restart; the result warns of it.</remarks>
    public Task<ReloadResult> ReloadAsync(Topology next, CancellationToken cancellationToken) => reload.ReloadAsync(next, cancellationToken);

    /// <summary>The process's one coordinator: it allows one switchover per cluster at a time.</summary>
    public SwitchoverCoordinator Switchovers => parts.Switchover.Coordinator;

    /// <summary>
    /// Switches <paramref name="cluster"/>'s primary over to <paramref name="to"/> (an instance name; null: a
    /// healthy replica): see <see cref="SwitchoverCoordinator"/>. The result lists the steps and their timings.
    /// </summary>
    public Task<SwitchoverResult> SwitchoverAsync(string cluster, string? to, SwitchoverOptions options, CancellationToken cancellationToken) =>
        parts.Switchover.SwitchoverAsync(cluster, to, options, cancellationToken);

    /// <summary>
    /// Clears the fence of an instance (by name), in the instance itself and in this pgway's routing: its
    /// checks decide again. Refused while another instance of the cluster is (or may be) a primary, unless
    /// <paramref name="force"/> (see <see cref="Unfencing"/>). Null when done, or why not.
    /// </summary>
    public Task<string?> UnfenceAsync(string member, bool force, CancellationToken cancellationToken) =>
        parts.Switchover.UnfenceAsync(member, force, cancellationToken);

    /// <summary>For SHOW SWITCHOVER: switchovers under way, fenced instances, and held pooled services with their holders.</summary>
    public IReadOnlyList<(string Kind, string Name, string Detail)> SwitchoverState() => parts.Switchover.State();

    /// <summary>The DCS watch of each hosted cluster that has <c>pg_dcs</c>.</summary>
    public IReadOnlyList<DcsWatch> DcsWatches => parts.Dcs.Watches;

    /// <summary>The watch of <paramref name="cluster"/>, or null when it has no <c>pg_dcs</c>.</summary>
    public DcsWatch? DcsWatchOf(string cluster) => parts.Dcs.WatchOf(cluster);

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

    public async ValueTask DisposeAsync()
    {
        DeleteAdminTokens();
        await parts.StopAsync(agents, admin);
    }
}
