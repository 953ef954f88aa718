using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Pgway.Dcs;
using Pgway.Model;
using Pgway.Switchover;

namespace Pgway.Hosting;

// One DCS watch per hosted cluster with pg_dcs: Patroni's leader key moves the members of the cluster's
// primary services the moment it changes. The watches start with the monitor and stop with the host; a
// reload keeps them, and its new members are told the leader at once.
public sealed partial class GatewayHost
{
    // One leader applied at a time: a reload re-applying the leader it read must not overwrite a newer one.
    private readonly Lock dcsGate = new();
    private List<DcsWatch> dcsWatches = [];
    // Clusters whose DCS names no leader now: the pooled primary services held, and the end of the hold.
    private readonly Dictionary<string, (IReadOnlyList<PoolService> Services, CancellationTokenSource Expiry)> noLeaderHolds = new(StringComparer.Ordinal);

    private const string NoLeaderHolder = "no leader in the DCS";

    // How long a new leader may take to finish its promotion before the hold ends anyway.
    private static readonly TimeSpan WritableWait = TimeSpan.FromSeconds(10);

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
                var watch = new DcsWatch(name, dcs, change => FollowDcsLeader(name, change.Leader, fromDcs: true), options, time, logging.CreateLogger<DcsWatch>());
                watches.Add(watch);
                watch.Start();
            }
        }
        dcsWatches = watches;
    }

    // No leader in the DCS (a switchover started elsewhere, e.g. patronictl, or a failover): the pooled primary
    // services hold new transactions first, so none starts anywhere until a leader is named; the old leader is
    // still marked down at once, as before: Patroni releases the key only once its postgres has stopped, and
    // after a crash, fencing is what keeps writes away from it. The hold ends when a leader is back, or after
    // the cluster's query_wait_timeout, by which time its waiting clients have given up anyway.
    private void FollowDcsLeader(string cluster, string? leader, bool fromDcs)
    {
        lock (dcsGate)
        {
            if (leader is null && fromDcs)
            {
                HoldWithoutLeader(cluster);
            }
            monitor.FollowLeader(cluster, leader);
            if (leader is not null && noLeaderHolds.TryGetValue(cluster, out var hold))
            {
                if (hold.Services.Count > 0 && Clusters.FirstOrDefault(c => c.Name == cluster)?.Instances.FirstOrDefault(i => i.Name == leader) is { } instance)
                {
                    _ = ReleaseOnceWritableAsync(cluster, instance, hold.Expiry);
                }
                else
                {
                    ReleaseNoLeaderHold(cluster);
                }
            }
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

    // Under dcsGate. The services held are those of the moment: a reload meanwhile does not change what is released.
    private void HoldWithoutLeader(string cluster)
    {
        if (noLeaderHolds.ContainsKey(cluster))
        {
            return;
        }
        var held = PrimaryPoolServices(cluster);
        var expiry = new CancellationTokenSource();
        noLeaderHolds[cluster] = (held, expiry);
        foreach (var service in held)
        {
            service.Pooler.Hold(NoLeaderHolder);
        }
        if (held.Count > 0)
        {
            var limit = held.Max(s => s.Pooler.Options.Settings.QueryWaitTimeout);
            LogNoLeaderHold(logger, cluster, held.Count, limit.TotalSeconds);
            _ = ExpireNoLeaderHoldAsync(cluster, expiry, limit > TimeSpan.Zero ? limit : TimeSpan.FromSeconds(120));
        }
    }

    private async Task ExpireNoLeaderHoldAsync(string cluster, CancellationTokenSource expiry, TimeSpan after)
    {
        try
        {
            await Task.Delay(after, time, expiry.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        lock (dcsGate)
        {
            if (noLeaderHolds.TryGetValue(cluster, out var hold) && hold.Expiry == expiry)
            {
                LogNoLeaderHoldExpired(logger, cluster, after.TotalSeconds);
                ReleaseNoLeaderHold(cluster);
            }
        }
    }

    // Patroni takes the key before its postgres has finished promoting: transactions sent at once would meet a
    // read-only server. The hold ends once the new leader's /primary says it takes writes, or after
    // WritableWait whatever it says (the checks decide then).
    private async Task ReleaseOnceWritableAsync(string cluster, Instance leader, CancellationTokenSource expiry)
    {
        var clock = time.GetTimestamp();
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(expiry.Token);
            limit.CancelAfter(WritableWait);
            await PatroniRestApi.WaitWritableAsync(patroniApi, leader, time, limit.Token);
            var took = time.GetElapsedTime(clock).TotalMilliseconds;
            LogLeaderWritable(logger, cluster, leader.Name, took);
        }
        catch (OperationCanceledException) when (!expiry.IsCancellationRequested)
        {
            LogLeaderNotWritable(logger, cluster, leader.Name, WritableWait.TotalSeconds);
        }
        catch (OperationCanceledException)
        {
            // Released meanwhile (or pgway stopping).
            return;
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        lock (dcsGate)
        {
            if (noLeaderHolds.TryGetValue(cluster, out var hold) && hold.Expiry == expiry)
            {
                ReleaseNoLeaderHold(cluster);
            }
        }
    }

    // Under dcsGate.
    private void ReleaseNoLeaderHold(string cluster)
    {
        if (!noLeaderHolds.Remove(cluster, out var hold))
        {
            return;
        }
        hold.Expiry.Cancel();
        hold.Expiry.Dispose();
        foreach (var service in hold.Services)
        {
            service.Pooler.Release(NoLeaderHolder);
        }
    }

    private async ValueTask StopDcsWatchesAsync()
    {
        var watches = dcsWatches;
        dcsWatches = [];
        lock (dcsGate)
        {
            foreach (var cluster in noLeaderHolds.Keys.ToList())
            {
                ReleaseNoLeaderHold(cluster);
            }
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: Patroni's leader key names no leader: {Services} pooled primary service(s) hold new transactions until a leader is back (at most {Seconds} s)")]
    private static partial void LogNoLeaderHold(ILogger logger, string cluster, int services, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: still no leader after {Seconds} s: the pooled primary services stop holding; the checks decide")]
    private static partial void LogNoLeaderHoldExpired(ILogger logger, string cluster, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster}: new leader {Leader} takes writes ({Milliseconds:0} ms after its key): the pooled primary services stop holding")]
    private static partial void LogLeaderWritable(ILogger logger, string cluster, string leader, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: new leader {Leader} does not say it takes writes after {Seconds} s (is its Patroni REST API reachable, with patroni_username/patroni_password?): the pooled primary services stop holding; the checks decide")]
    private static partial void LogLeaderNotWritable(ILogger logger, string cluster, string leader, double seconds);
}
