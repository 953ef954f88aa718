using Pgway.Health;
using Pgway.Routing;
using Pgway.Transport;

namespace Pgway.Hosting;

/// <summary>What `pgway serve` runs for the nodes it hosts.</summary>
/// <param name="Nodes">The node addresses this process hosts (each must be an instance's address in the inventory).</param>
/// <param name="RunAgents">Run pgway's health agent for each hosted instance; off when Patroni answers on its port.</param>
internal sealed record GatewayOptions(
    IReadOnlyList<string> Nodes,
    bool RunAgents,
    HealthMonitorOptions Health,
    ServiceListenerOptions Listeners)
{
    /// <summary>Run the pooler of each hosted instance (off when PgBouncer serves <c>pgbouncer_port</c>).</summary>
    public bool RunPoolers { get; init; } = true;

    /// <summary>Serve the stats page, <c>/status.json</c>, <c>/metrics</c> and <c>/healthz</c> on each hosted node's <c>haproxy_exporter_port</c> (off when HAProxy's stats page is there).</summary>
    public bool RunAdmin { get; init; } = true;

    /// <summary>
    /// How long sessions of a service a reload removed, and every session when pgway stops gracefully
    /// (SIGTERM), may run on before they are closed.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = DefaultDrainTimeout;

    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where the admin endpoint's token is written, one file per address without admin credentials, for
    /// <c>pgway switchover</c> and <c>unfence</c> to read (<see cref="Admin.AdminTokenFile"/>); null: nowhere, so actions
    /// there take only the token <see cref="GatewayHost.AdminToken"/> holds.
    /// </summary>
    public string? AdminTokenDirectory { get; init; }

    /// <summary>The admin endpoint's limits and caching.</summary>
    public Admin.AdminEndpointSettings Admin { get; init; } = Pgway.Admin.AdminEndpointSettings.Default;

    /// <summary>The health agents' connection and request limits.</summary>
    public Http.HttpEndpointLimits AgentLimits { get; init; } = Pgway.Http.HttpEndpointLimits.Agent;

    public TimeSpan AgentCacheMaxAge { get; init; } = Agent.InstanceStatusCache.DefaultMaxAge;

    public TimeSpan AgentTimeout { get; init; } = Agent.InstanceStatusReaderOptions.DefaultTimeout;

    /// <summary>The process's bound on clients at accept: descriptors kept in reserve, and the cap and timeout for clients still starting.</summary>
    public AdmissionLimits Admission { get; init; } = AdmissionLimits.Default;

    /// <summary>
    /// How many epoll loops (threads) serve the sessions of every port, as HAProxy's <c>nbthread</c>:
    /// one per CPU unless <c>PGWAY_SPLICE_THREADS</c> said otherwise when <c>pgway serve</c> started.
    /// </summary>
    public int LoopThreads { get; init; } = EpollLoopGroup.DefaultCount;

    /// <summary>How the watch of Patroni's leader key talks to etcd, for clusters with <c>pg_dcs</c>.</summary>
    public Dcs.DcsWatchOptions Dcs { get; init; } = Pgway.Dcs.DcsWatchOptions.Default;

    /// <summary>
    /// Whether this process keeps its clusters' L2 VIPs on this node's interfaces (<c>pgway serve</c>; off with
    /// <c>--no-vip</c>). Off by default: tests and <c>pgway demo</c> run several nodes on one machine's loopback.
    /// </summary>
    public bool KeepVips { get; init; }

    /// <summary>
    /// The DNS server on each hosted node's address (docs/dns.md); null: none. <c>pgway serve</c> runs it on port 8600
    /// unless <c>--no-dns</c>; off by default here, as tests run several processes on one machine.
    /// </summary>
    public Dns.DnsOptions? Dns { get; init; }

    /// <summary>How the VIP keepers reconcile and announce.</summary>
    public Vip.VipOptions Vip { get; init; } = Pgway.Vip.VipOptions.Default;
}
