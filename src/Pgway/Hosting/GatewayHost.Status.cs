using Pgway.Admin;

namespace Pgway.Hosting;

// What the admin endpoint's stats page and /status.json show: the services, pools and latest events, from snapshots.
public sealed partial class GatewayHost
{
    private readonly StatusEventLog events = new();
    private TimeProvider clock = TimeProvider.System;

    /// <summary>The status document now: every service and member, every pool, and the latest member state changes.</summary>
    public StatusReport Status() =>
        StatusReportBuilder.Build(clock.GetUtcNow(), [.. Routes().Select(r => (r.Service, r.Snapshot()))], PoolerReadings(), events.Latest());

    private AdminSources AdminSources() => new(Metrics, Status)
    {
        Switchover = SwitchoverAsync,
        Unfence = UnfenceAsync,
    };

    // A dest: pool service's pools are shown as a pooler named after the service.
    private List<PoolerMetrics> PoolerReadings() =>
        [.. poolers.Select((p, i) => PoolerMetrics.Read(poolerInstances[i], p)), .. poolServices.Select(p => PoolerMetrics.Read(p.Route.Service.FullName, p.Pooler))];

    // Before the monitor starts, so the first checks' changes are kept too.
    private void FollowEvents(TimeProvider time)
    {
        clock = time;
        monitor.StateChanged += events.Add;
    }
}
