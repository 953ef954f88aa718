using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Pgway.Health;
using Pgway.Model;
using Pgway.Vip;

namespace Pgway.Hosting;

/// <summary>
/// The L2 VIPs of the hosted clusters: one keeper per cluster with a VIP and exactly one instance on this process's
/// nodes, stepped on one loop that the DCS watches and the monitor's changes wake. Stopped first on shutdown, so the
/// VIP leaves this node before anything else does.
/// </summary>
internal sealed partial class GatewayVips : IAsyncDisposable
{
    private readonly VipRunner runner;
    private readonly HealthMonitor monitor;
    private readonly DcsFollower dcs;

    private GatewayVips(VipRunner runner, HealthMonitor monitor, DcsFollower dcs)
    {
        this.runner = runner;
        this.monitor = monitor;
        this.dcs = dcs;
        monitor.StateChanged += OnHealth;
        foreach (var watch in dcs.Watches)
        {
            watch.LeaderChanged += OnLeader;
        }
    }

    /// <summary>Makes (without starting) the keepers; none when <paramref name="enabled"/> is false (tests, demo: several nodes on one host).</summary>
    public static GatewayVips Create(IReadOnlyList<Cluster> clusters, IReadOnlyList<string> nodes, bool enabled, GatewayState state, HealthMonitor monitor, DcsFollower dcs,
        IVipAddressTable table, IVipAnnouncer announcer, VipOptions options, TimeProvider time, ILoggerFactory logging)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(logging);
        var logger = logging.CreateLogger<VipKeeper>();
        var keepers = new List<VipKeeper>();
        foreach (var cluster in clusters)
        {
            if (cluster.Vip is not { } vip || !enabled)
            {
                continue;
            }
            var local = cluster.Instances.Where(i => nodes.Contains(i.Address)).ToList();
            if (local.Count != 1)
            {
                if (local.Count > 1)
                {
                    // One host, one interface: two keepers of the same address would undo each other.
                    LogSeveralInstances(logger, cluster.Name, vip.Cidr, local.Count);
                }
                continue;
            }
            var leadership = new GatewayVipLeadership(cluster.Name, local[0], monitor, dcs.WatchOf(cluster.Name), state);
            keepers.Add(new VipKeeper(cluster.Name, vip, local[0], leadership, table, announcer, options, time, logger));
            LogKeeping(logger, cluster.Name, vip, local[0].Name, vip.DcsGrace.TotalSeconds);
        }
        return new GatewayVips(new VipRunner(keepers, time, logging.CreateLogger<VipRunner>()), monitor, dcs);
    }

    /// <summary>Each kept VIP now.</summary>
    public IReadOnlyList<VipStatus> Status() => runner.Status();

    public void Start() => runner.Start();

    private void OnHealth(HealthEvent change) => runner.Wake();

    private void OnLeader(Dcs.DcsLeaderChange change) => runner.Wake();

    /// <summary><c>pgway_vip_*</c>, after the other families; empty without VIPs.</summary>
    public string Metrics()
    {
        var vips = Status();
        if (vips.Count == 0)
        {
            return "";
        }
        var text = new StringBuilder();
        Family(text, "pgway_vip_held", "gauge", "Whether this node holds the cluster's VIP on its interface now (1) or not (0).", vips, v => v.Held ? 1 : 0);
        Family(text, "pgway_vip_moves_total", "counter", "Times this node added or removed the cluster's VIP since start.", vips, v => v.Moves);
        Family(text, "pgway_vip_announcements_total", "counter", "Gratuitous ARPs or neighbour advertisements sent for the VIP since start.", vips, v => v.Announcements);
        Family(text, "pgway_vip_failing", "gauge", "Whether the last action on the VIP failed (1: see the log and the stats page, e.g. a missing capability).", vips, v => v.Error is null ? 0 : 1);
        Family(text, "pgway_vip_last_move_timestamp_seconds", "gauge", "When this node last added or removed the VIP (Unix time; 0: never since start).", vips, v => v.LastMove?.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
        return text.ToString();
    }

    private static void Family(StringBuilder text, string name, string type, string help, IReadOnlyList<VipStatus> vips, Func<VipStatus, double> value)
    {
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
        foreach (var vip in vips)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}{{cluster=\"{vip.Cluster}\",address=\"{vip.Address}\"}} {value(vip)}\n");
        }
    }

    /// <summary>Removes every VIP held here, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        monitor.StateChanged -= OnHealth;
        foreach (var watch in dcs.Watches)
        {
            watch.LeaderChanged -= OnLeader;
        }
        await runner.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster}: keeping the VIP {Vip} on this node while {Instance} leads (DCS grace {Grace} s)")]
    private static partial void LogKeeping(ILogger logger, string cluster, ClusterVip vip, string instance, double grace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: this process hosts {Count} of its instances, so it does not keep the VIP {Vip}: run one pgway per node for that")]
    private static partial void LogSeveralInstances(ILogger logger, string cluster, string vip, int count);
}
