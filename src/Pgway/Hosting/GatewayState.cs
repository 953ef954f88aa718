using Pgway.Dcs;
using Pgway.Model;
using Pgway.Routing;

namespace Pgway.Hosting;

/// <summary>
/// The hosted configuration and the ports that run it now. Each list is replaced whole (copy on write), by
/// start-up as each port opens and by a reload, so readers (status, switchover, DCS following, drain) never
/// see a list being changed. One writer at a time: start-up, then reloads one after another.
/// </summary>
internal sealed class GatewayState(Topology topology, IReadOnlyList<Cluster> clusters)
{
    private Topology topology = topology;
    private IReadOnlyList<Cluster> clusters = clusters;
    private IReadOnlyList<ServiceListener> listeners = [];
    private IReadOnlyList<PoolService> poolServices = [];
    private IReadOnlyList<NodePooler> poolers = [];

    /// <summary>The inventory in use, read again by a reload from its <see cref="Topology.SourceFile"/>.</summary>
    public Topology Topology => Volatile.Read(ref topology);

    /// <summary>The hosted clusters, as last loaded.</summary>
    public IReadOnlyList<Cluster> Clusters => Volatile.Read(ref clusters);

    /// <summary>The spliced services' listeners, in the inventory's order.</summary>
    public IReadOnlyList<ServiceListener> Listeners => Volatile.Read(ref listeners);

    /// <summary>The <c>dest: pool</c> services.</summary>
    public IReadOnlyList<PoolService> PoolServices => Volatile.Read(ref poolServices);

    /// <summary>The hosted instances' poolers: started with the process, never added or removed by a reload.</summary>
    public IReadOnlyList<NodePooler> Poolers => Volatile.Read(ref poolers);

    /// <summary>Sessions open now: on every service (spliced or queued) and every pooler (clients).</summary>
    public int OpenSessions => Listeners.Sum(l => l.SessionCount) + PoolerClients;

    /// <summary>Clients of every pooler now, a node's or a <c>dest: pool</c> port's.</summary>
    public int PoolerClients => Poolers.Sum(p => p.Pooler.Clients) + PoolServices.Sum(p => p.Pooler.Clients);

    public void Add(NodePooler pooler) => Volatile.Write(ref poolers, [.. Poolers, pooler]);

    public void Add(ServiceListener listener) => Volatile.Write(ref listeners, [.. Listeners, listener]);

    public void Add(PoolService service) => Volatile.Write(ref poolServices, [.. PoolServices, service]);

    /// <summary>A reload's outcome: the new configuration and the ports that run it.</summary>
    public void Apply(Topology next, IReadOnlyList<Cluster> nextClusters, IReadOnlyList<ServiceListener> nextListeners, IReadOnlyList<PoolService> nextPoolServices)
    {
        Volatile.Write(ref poolServices, nextPoolServices);
        Volatile.Write(ref listeners, nextListeners);
        Volatile.Write(ref topology, next);
        Volatile.Write(ref clusters, nextClusters);
    }

    /// <summary>Every running service, spliced and pooled, in the inventory's order.</summary>
    public IReadOnlyList<ServicePort> ServicePorts()
    {
        var order = Clusters.SelectMany(c => c.Services).Select((s, i) => (s.FullName, i)).ToDictionary(k => k.FullName, k => k.i);
        return [.. Listeners.Select(l => new ServicePort(l.Route, l.LocalEndPoint, Pooled: false))
            .Concat(PoolServices.Select(p => new ServicePort(p.Route, p.Pooler.LocalEndPoint, Pooled: true)))
            .OrderBy(p => order.GetValueOrDefault(p.Route.Service.FullName, int.MaxValue))];
    }

    /// <summary>The cluster's <c>dest: pool</c> services whose check finds the primary: those a switchover, or a DCS without a leader, holds.</summary>
    public IReadOnlyList<PoolService> PrimaryPoolServices(string cluster) =>
        [.. PoolServices.Where(p => p.Route.Service.Cluster == cluster && LeaderRules.IsPrimaryCheck(p.Route.Service.Check))];
}
