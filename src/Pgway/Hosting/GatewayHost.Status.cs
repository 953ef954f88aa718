using Pgway.Admin;

namespace Pgway.Hosting;

// What the admin endpoint's stats page and /status.json show: the services, pools and latest events, from snapshots.
public sealed partial class GatewayHost
{
    private readonly StatusEventLog events = new();
    private TimeProvider clock = TimeProvider.System;

    /// <summary>
    /// The status document now: every service and member, every pool, the latest member state changes, and the last
    /// minutes of each service's and member's counts.
    /// </summary>
    public StatusReport Status() => history.Attach(StatusNow());

    private StatusReport StatusNow() =>
        StatusReportBuilder.Build(clock.GetUtcNow(), [.. Routes().Select(r => (r.Service, r.Snapshot()))], PoolerReadings(), events.Latest());

    private AdminSources AdminSources() => new(Metrics, Status)
    {
        Switchover = SwitchoverAsync,
        Unfence = UnfenceAsync,
    };

    // A dest: pool service's pools are shown as a pooler named after the service.
    private List<PoolerMetrics> PoolerReadings() =>
        [.. poolers.Select((p, i) => PoolerMetrics.Read(poolerInstances[i], p)), .. poolServices.Select(p => PoolerMetrics.Read(p.Route.Service.FullName, p.Pooler) with { IsService = true })];

    // Before the monitor starts, so the first checks' changes are kept too.
    private void FollowEvents(TimeProvider time)
    {
        clock = time;
        monitor.StateChanged += events.Add;
        StartHistory(time);
    }
}
