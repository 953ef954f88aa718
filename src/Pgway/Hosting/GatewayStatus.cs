using Pgway.Admin;
using Pgway.Health;
using Pgway.Pooling;
using Pgway.Routing;

namespace Pgway.Hosting;

/// <summary>
/// What the admin endpoint's stats page, <c>/status.json</c> and <c>/metrics</c> show: the services, pools and latest
/// events, read from snapshots; and the stats page's charts, a status document sampled every few seconds into bounded
/// rings, whether or not a page is open.
/// </summary>
internal sealed class GatewayStatus : IDisposable
{
    private readonly GatewayState state;
    private readonly DcsFollower dcs;
    private readonly GatewayVips vips;
    private readonly GatewayDns dns;
    private readonly StatusEventLog events;
    private readonly CancelKeyRegistry cancelKeys;
    private readonly TimeProvider time;
    private readonly StatusHistory history = new(StatusHistory.DefaultInterval, StatusHistory.DefaultCapacity);
    private readonly ITimer historyTimer;

    /// <summary>Follows the monitor's changes from now on: made before the monitor starts, so the first checks' changes are kept too.</summary>
    public GatewayStatus(GatewayState state, HealthMonitor monitor, DcsFollower dcs, GatewayVips vips, GatewayDns dns, StatusEventLog events, CancelKeyRegistry cancelKeys, TimeProvider time)
    {
        this.state = state;
        this.dcs = dcs;
        this.vips = vips;
        this.dns = dns;
        this.events = events;
        this.cancelKeys = cancelKeys;
        this.time = time;
        monitor.StateChanged += events.Add;
        historyTimer = time.CreateTimer(_ => history.Record(StatusNow()), null, TimeSpan.Zero, history.Interval);
    }

    /// <summary>Every service's counters and members now, for the stats page and metrics.</summary>
    public IReadOnlyList<ServiceRouteSnapshot> Snapshot() => [.. Routes().Select(r => r.Snapshot())];

    /// <summary>What <c>/metrics</c> shows now: every service, member and pool, read from snapshots.</summary>
    public string Metrics() => MetricsReport.Write(Snapshot(), PoolerReadings(), CancelCounts.Read(cancelKeys)) + dcs.Metrics() + vips.Metrics() + dns.Metrics();

    /// <summary>
    /// The status document now: every service and member, every pool, the latest member state changes, and the last
    /// minutes of each service's and member's counts.
    /// </summary>
    public StatusReport Status() => history.Attach(StatusNow());

    private StatusReport StatusNow() =>
        StatusReportBuilder.Build(time.GetUtcNow(), [.. Routes().Select(r => (r.Service, r.Snapshot()))], PoolerReadings(), events.Latest()) with { Vips = vips.Status(), Dns = dns.EndPoints.Count == 0 ? [] : dns.Stats.Read() };

    private IEnumerable<ServiceRoute> Routes() => state.ServicePorts().Select(p => p.Route);

    // A dest: pool service's pools are shown as a pooler named after the service.
    private List<PoolerMetrics> PoolerReadings() =>
        [.. state.Poolers.Select(p => PoolerMetrics.Read(p.Instance, p.Pooler)), .. state.PoolServices.Select(p => PoolerMetrics.Read(p.Route.Service.FullName, p.Pooler) with { IsService = true })];

    public void Dispose() => historyTimer.Dispose();
}
