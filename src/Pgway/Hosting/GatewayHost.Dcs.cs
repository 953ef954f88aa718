using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Pgway.Dcs;
using Pgway.Model;

namespace Pgway.Hosting;

// One DCS watch per hosted cluster with pg_dcs: Patroni's leader key moves the members of the cluster's
// primary services the moment it changes. The watches start with the monitor and stop with the host; a
// reload keeps them, and its new members are told the leader at once.
public sealed partial class GatewayHost
{
    // One leader applied at a time: a reload re-applying the leader it read must not overwrite a newer one.
    private readonly Lock dcsGate = new();
    private List<DcsWatch> dcsWatches = [];

    /// <summary>The DCS watch of each hosted cluster that has <c>pg_dcs</c>.</summary>
    public IReadOnlyList<DcsWatch> DcsWatches => dcsWatches;

    /// <summary>The watch of <paramref name="cluster"/>, or null when it has no <c>pg_dcs</c>.</summary>
    public DcsWatch? DcsWatchOf(string cluster) => dcsWatches.FirstOrDefault(w => w.Cluster == cluster);

    private void StartDcsWatches(IReadOnlyList<Cluster> clusters, DcsWatchOptions options, TimeProvider time, ILoggerFactory logging)
    {
        var watches = new List<DcsWatch>();
        foreach (var cluster in clusters)
        {
            if (cluster.Dcs is { } dcs)
            {
                var name = cluster.Name;
                var watch = new DcsWatch(name, dcs, change => FollowDcsLeader(name, change.Leader), options, time, logging.CreateLogger<DcsWatch>());
                watches.Add(watch);
                watch.Start();
            }
        }
        dcsWatches = watches;
    }

    private void FollowDcsLeader(string cluster, string? leader)
    {
        lock (dcsGate)
        {
            monitor.FollowLeader(cluster, leader);
        }
    }

    // After a reload: members that start afresh count as up until checked; the known leader says otherwise at once.
    private void FollowDcsLeaders()
    {
        lock (dcsGate)
        {
            foreach (var watch in dcsWatches.Where(w => w.IsLeaderKnown))
            {
                monitor.FollowLeader(watch.Cluster, watch.Leader);
            }
        }
    }

    private async ValueTask StopDcsWatchesAsync()
    {
        var watches = dcsWatches;
        dcsWatches = [];
        foreach (var watch in watches)
        {
            await watch.DisposeAsync();
        }
    }

    // pgway_dcs_connected and pgway_dcs_leader, after the other families.
    private string DcsMetrics()
    {
        var watches = dcsWatches;
        if (watches.Count == 0)
        {
            return "";
        }
        var text = new StringBuilder()
            .Append("# HELP pgway_dcs_connected Whether the DCS watch of the cluster receives etcd's changes (1) or routing follows the checks alone (0).\n")
            .Append("# TYPE pgway_dcs_connected gauge\n");
        foreach (var watch in watches)
        {
            text.Append(CultureInfo.InvariantCulture, $"pgway_dcs_connected{{cluster=\"{watch.Cluster}\"}} {(watch.IsConnected ? 1 : 0)}\n");
        }
        text.Append("# HELP pgway_dcs_has_leader Whether Patroni's leader key of the cluster names a leader (0 while there is none, e.g. during a switchover).\n")
            .Append("# TYPE pgway_dcs_has_leader gauge\n");
        foreach (var watch in watches)
        {
            text.Append(CultureInfo.InvariantCulture, $"pgway_dcs_has_leader{{cluster=\"{watch.Cluster}\"}} {(watch.Leader is null ? 0 : 1)}\n");
        }
        return text.ToString();
    }
}
