using Microsoft.Extensions.Logging;
using Pgway.Health;
using Pgway.Model;
using Pgway.Pooling;
using Pgway.Routing;
using Pgway.Transport;

namespace Pgway.Hosting;

/// <summary>
/// A <c>dest: pool</c> service: a pooler on the service's port whose server connections go to the
/// member the service's route chooses, fed by the health monitor (which also fences members).
/// </summary>
internal sealed class PoolService : IAsyncDisposable, Switchover.ISwitchoverPause
{
    private readonly HealthMonitor monitor;

    private readonly IReadOnlyList<string> nodes;

    private PoolService(ServiceRoute route, RouteServerTarget target, Pooler pooler, HealthMonitor monitor, IReadOnlyList<string> nodes)
    {
        this.nodes = nodes;
        Route = route;
        Target = target;
        Pooler = pooler;
        this.monitor = monitor;
    }

    public ServiceRoute Route { get; }

    public RouteServerTarget Target { get; }

    public Pooler Pooler { get; }

    string Switchover.ISwitchoverPause.Name => Route.Service.FullName;

    int Switchover.ISwitchoverPause.InFlight => Pooler.ServersInUse();

    void Switchover.ISwitchoverPause.Hold(string holder) => Pooler.Hold(holder);

    void Switchover.ISwitchoverPause.Release(string holder) => Pooler.Release(holder);

    /// <summary>Starts the service's pooler; throws <see cref="System.Net.Sockets.SocketException"/> when its port is taken.</summary>
    /// <exception cref="InvalidOperationException">The cluster's pooler auth or hba file has errors.</exception>
    /// <param name="cancelKeys">The process's cancel keys, shared with its other poolers; null: a registry of the pooler's own.</param>
    /// <param name="control">What the console on this port reaches (RELOAD of the whole process, SWITCHOVER), as on a node's pooler.</param>
    public static PoolService Start(Cluster cluster, Service service, HealthMonitor monitor, string inventoryFile, GatewayOptions options, TimeProvider time, ILoggerFactory logging,
        ClientAdmission? admission = null, IGatewayControl? control = null, EpollLoopGroup? loops = null, CancelKeyRegistry? cancelKeys = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logging);
        var route = new ServiceRoute(service, m => monitor.Find(service.FullName, m.Name), options.Listeners.QueueTimeout, time);
        var target = new RouteServerTarget(route, time);
        var node = NodeOf(cluster, options.Nodes);
        var poolerOptions = PoolerSetup.ForService(cluster, service, node, target, inventoryFile) with { Admission = admission, Control = control, CancelKeys = cancelKeys };
        // The route first (slowstart, counters), then the target (fencing), which reads the route.
        monitor.StateChanged += route.OnHealthChanged;
        monitor.StateChanged += target.OnHealthChanged;
        try
        {
            return new PoolService(route, target, Pooler.Start(poolerOptions, loops, time, logging.CreateLogger<Pooler>()), monitor, options.Nodes);
        }
        catch
        {
            monitor.StateChanged -= route.OnHealthChanged;
            monitor.StateChanged -= target.OnHealthChanged;
            throw;
        }
    }

    /// <summary>A reload changed the service (same name, bind and port): new members, options and balance from now on.</summary>
    public void Update(Service next)
    {
        ArgumentNullException.ThrowIfNull(next);
        Route.Update(next, m => monitor.Find(next.FullName, m.Name));
        // Servers of members gone or no longer chosen close when their transaction ends.
        Target.Refresh();
    }

    /// <summary>
    /// The pooler options of <paramref name="service"/> in <paramref name="cluster"/> as the inventory
    /// says now, for a reload to apply (as a node's pooler takes its own).
    /// </summary>
    /// <exception cref="InvalidOperationException">The cluster's pooler auth or hba file has errors.</exception>
    public PoolerOptions OptionsFor(Cluster cluster, Service service, string inventoryFile) =>
        PoolerSetup.ForService(cluster, service, NodeOf(cluster, nodes), Target, inventoryFile);

    // Whose pgb_hba rules the port enforces: the cluster's instance on the node served here, as that node's own pooler.
    private static Instance NodeOf(Cluster cluster, IReadOnlyList<string> nodes) =>
        cluster.Instances.FirstOrDefault(i => nodes.Contains(i.Address)) ?? cluster.Instances[0];

    public async ValueTask DisposeAsync()
    {
        monitor.StateChanged -= Route.OnHealthChanged;
        monitor.StateChanged -= Target.OnHealthChanged;
        await Pooler.DisposeAsync();
    }
}
