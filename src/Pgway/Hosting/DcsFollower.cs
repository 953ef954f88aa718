using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Pgway.Dcs;
using Pgway.Model;
using Pgway.Switchover;

namespace Pgway.Hosting;

/// <summary>
/// One DCS watch per hosted cluster with <c>pg_dcs</c>: Patroni's leader key moves the members of the cluster's
/// primary services the moment it changes. The watches start with the monitor and stop with the host; a reload
/// keeps them, and its new members are told the leader at once (<see cref="FollowKnownLeaders"/>).
/// </summary>
internal sealed partial class DcsFollower : IAsyncDisposable
{
    private const string NoLeaderHolder = "no leader in the DCS";

    // How long a new leader may take to finish its promotion before the hold ends anyway.
    internal static readonly TimeSpan WritableWait = TimeSpan.FromSeconds(10);

    // When no pooled primary service sets query_wait_timeout, how long a hold without a leader lasts.
    internal static readonly TimeSpan DefaultHoldLimit = TimeSpan.FromSeconds(120);

    private readonly ILeaderRouting routing;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    // One leader applied at a time: a reload re-applying the leader it read must not overwrite a newer one.
    private readonly Lock gate = new();
    private readonly List<DcsWatch> watches;
    // Clusters whose DCS names no leader now: the pooled primary services held, and the end of the hold.
    private readonly Dictionary<string, (IReadOnlyList<ISwitchoverPause> Services, CancellationTokenSource Expiry)> noLeaderHolds = new(StringComparer.Ordinal);
    private bool stopped;

    /// <summary>Makes (without starting) the watch of each cluster that has <c>pg_dcs</c>.</summary>
    public DcsFollower(IReadOnlyList<Cluster> clusters, ILeaderRouting routing, DcsWatchOptions options, TimeProvider time, ILoggerFactory logging)
    {
        this.routing = routing;
        this.time = time;
        logger = logging.CreateLogger<GatewayHost>();
        watches = [];
        foreach (var cluster in clusters)
        {
            if (cluster.Dcs is { } dcs)
            {
                var name = cluster.Name;
                watches.Add(new DcsWatch(name, dcs, change => Follow(name, change.Leader, fromDcs: true), options, time, logging.CreateLogger<DcsWatch>()));
            }
        }
    }

    /// <summary>The DCS watch of each hosted cluster that has <c>pg_dcs</c>.</summary>
    public IReadOnlyList<DcsWatch> Watches => watches;

    /// <summary>The watch of <paramref name="cluster"/>, or null when it has no <c>pg_dcs</c>.</summary>
    public DcsWatch? WatchOf(string cluster) => watches.FirstOrDefault(w => w.Cluster == cluster);

    /// <summary>Clusters whose pooled primary services are held now because the DCS names no leader.</summary>
    public IReadOnlyList<string> HeldClusters
    {
        get
        {
            lock (gate)
            {
                return [.. noLeaderHolds.Keys];
            }
        }
    }

    /// <summary>Starts every watch: after the monitor, whose members the first leader read moves.</summary>
    public void Start()
    {
        foreach (var watch in watches)
        {
            watch.Start();
        }
    }

    /// <summary>A leader named by a switchover of this process: followed at once, without waiting for the key's change.</summary>
    public void FollowNow(string cluster, string leader) => Follow(cluster, leader, fromDcs: false);

    /// <summary>
    /// No leader in the DCS (a switchover started elsewhere, e.g. patronictl, or a failover): the pooled primary
    /// services hold new transactions first, so none starts anywhere until a leader is named; the old leader is
    /// still marked down at once, as before: Patroni releases the key only once its postgres has stopped, and
    /// after a crash, fencing is what keeps writes away from it. The hold ends when a leader is back, or after
    /// the cluster's query_wait_timeout, by which time its waiting clients have given up anyway.
    /// </summary>
    internal void Follow(string cluster, string? leader, bool fromDcs)
    {
        lock (gate)
        {
            if (stopped)
            {
                return;
            }
            if (leader is null && fromDcs)
            {
                HoldWithoutLeader(cluster);
            }
            routing.FollowLeader(cluster, leader);
            if (leader is not null && noLeaderHolds.TryGetValue(cluster, out var hold))
            {
                if (hold.Services.Count > 0 && routing.FindLeader(cluster, leader) is { } instance)
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

    /// <summary>After a reload: members that start afresh count as up until checked; the known leader says otherwise at once.</summary>
    public void FollowKnownLeaders()
    {
        lock (gate)
        {
            foreach (var watch in watches.Where(w => w.IsLeaderKnown))
            {
                routing.FollowLeader(watch.Cluster, watch.Leader);
            }
        }
    }

    // Under gate. The services held are those of the moment: a reload meanwhile does not change what is released.
    private void HoldWithoutLeader(string cluster)
    {
        if (noLeaderHolds.ContainsKey(cluster))
        {
            return;
        }
        var (held, queryWaitTimeout) = routing.PrimaryPools(cluster);
        var expiry = new CancellationTokenSource();
        noLeaderHolds[cluster] = (held, expiry);
        foreach (var service in held)
        {
            service.Hold(NoLeaderHolder);
        }
        if (held.Count > 0)
        {
            LogNoLeaderHold(logger, cluster, held.Count, queryWaitTimeout.TotalSeconds);
            _ = ExpireNoLeaderHoldAsync(cluster, expiry, queryWaitTimeout > TimeSpan.Zero ? queryWaitTimeout : DefaultHoldLimit);
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
        lock (gate)
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
            await routing.WaitWritableAsync(leader, limit.Token);
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
        lock (gate)
        {
            if (noLeaderHolds.TryGetValue(cluster, out var hold) && hold.Expiry == expiry)
            {
                ReleaseNoLeaderHold(cluster);
            }
        }
    }

    // Under gate.
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
            service.Release(NoLeaderHolder);
        }
    }

    /// <summary><c>pgway_dcs_connected</c> and <c>pgway_dcs_has_leader</c>, after the other families; empty without watches.</summary>
    public string Metrics()
    {
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

    /// <summary>Releases every hold and stops the watches.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            stopped = true;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: Patroni's leader key names no leader: {Services} pooled primary service(s) hold new transactions until a leader is back (at most {Seconds} s)")]
    private static partial void LogNoLeaderHold(ILogger logger, string cluster, int services, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: still no leader after {Seconds} s: the pooled primary services stop holding; the checks decide")]
    private static partial void LogNoLeaderHoldExpired(ILogger logger, string cluster, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster}: new leader {Leader} takes writes ({Milliseconds:0} ms after its key): the pooled primary services stop holding")]
    private static partial void LogLeaderWritable(ILogger logger, string cluster, string leader, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: new leader {Leader} does not say it takes writes after {Seconds} s (is its Patroni REST API reachable, with patroni_username/patroni_password?): the pooled primary services stop holding; the checks decide")]
    private static partial void LogLeaderNotWritable(ILogger logger, string cluster, string leader, double seconds);
}
