using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Pgway.Model;

namespace Pgway.Switchover;

/// <summary>
/// A planned switchover of one cluster: validate, hold the pooled primary services until the transactions
/// under way have ended (bounded), move the primary (Patroni's REST API, or fence and promote by SQL), route
/// to the new primary at once, and release the hold. A failure before the primary moved releases the hold
/// and leaves everything as it was. Only pooled (<c>dest: pool</c>) clients are held: spliced (L4) services
/// cannot be, and their sessions on the old primary end with it.
/// </summary>
internal sealed partial class SwitchoverCoordinator(ISwitchoverHost host, TimeProvider time, ILogger<SwitchoverCoordinator> logger)
{
    // How often the drain looks again at the transactions under way.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    // How often the wait for a replica's health looks again at pgway's checks (they run every second or more).
    private static readonly TimeSpan HealthPollInterval = TimeSpan.FromMilliseconds(100);

    // One switchover per cluster at a time: a second would hold the services the first is about to release.
    private readonly ConcurrentDictionary<string, byte> running = new(StringComparer.Ordinal);

    /// <summary>The clusters with a switchover under way now.</summary>
    public IReadOnlyCollection<string> Running => [.. running.Keys];

    /// <summary>
    /// Switches <paramref name="clusterName"/>'s primary over to <paramref name="candidateName"/> (an instance name;
    /// null: any healthy replica). Never throws for a switchover that fails: the result says why.
    /// </summary>
    public async Task<SwitchoverResult> SwitchoverAsync(string clusterName, string? candidateName, SwitchoverOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clusterName);
        ArgumentNullException.ThrowIfNull(options);
        var steps = new SwitchoverSteps(clusterName, time, logger);
        if (!running.TryAdd(clusterName, 0))
        {
            return Failed(clusterName, steps, null, null, $"a switchover of {clusterName} is already under way");
        }
        try
        {
            return await RunAsync(clusterName, candidateName, options, steps, cancellationToken);
        }
        finally
        {
            running.TryRemove(clusterName, out _);
        }
    }

    private async Task<SwitchoverResult> RunAsync(string clusterName, string? candidateName, SwitchoverOptions options, SwitchoverSteps steps, CancellationToken cancellationToken)
    {
        if (Validate(clusterName, candidateName, out var error) is not { } plan)
        {
            LogRefused(logger, clusterName, error!);
            return Failed(clusterName, steps, null, null, error!);
        }
        var (cluster, primary, candidate) = plan;
        var method = host.MethodOf(cluster, options);
        steps.Add("validate", $"primary {primary.Name}, candidate {candidate?.Name ?? "(any healthy replica)"}, by {method.Name}");
        try
        {
            error = await AwaitHealthyReplicaAsync(cluster, primary, candidate, options.WaitTimeout, steps, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            error = "cancelled (pgway is stopping)";
        }
        error ??= PrimaryMovedSince(clusterName, candidateName, primary);
        if (error is not null)
        {
            LogRefused(logger, clusterName, error);
            return Failed(clusterName, steps, primary.Name, method.Name, error);
        }
        host.Record(cluster.Name, $"switchover of {cluster.Name} from {primary.Name} to {candidate?.Name ?? "any replica"} started ({method.Name})");
        var holder = $"switchover of {cluster.Name}";
        var pauses = host.PausesOf(cluster);
        var pausedAt = steps.Now();
        foreach (var pause in pauses)
        {
            pause.Hold(holder);
        }
        steps.Add("pause", pauses.Count == 0
            ? "no pooled primary service to hold (spliced services are not held)"
            : $"new transactions wait on {string.Join(", ", pauses.Select(p => p.Name))}");
        Instance? next = null;
        try
        {
            await DrainAsync(pauses, options.WaitTimeout, steps, cancellationToken);
            next = await method.SwitchAsync(cluster, primary, candidate, steps, cancellationToken);
            host.FollowLeader(cluster, next.Name);
            steps.Add("route", $"primary services follow {next.Name}");
        }
        catch (SwitchoverException e)
        {
            error = e.Message;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            error = "cancelled (pgway is stopping)";
        }
        finally
        {
            foreach (var pause in pauses)
            {
                pause.Release(holder);
            }
        }
        var paused = steps.Since(pausedAt);
        steps.Add("resume", pauses.Count == 0 ? "nothing was held" : $"held {paused.ToString("0", CultureInfo.InvariantCulture)} ms");
        if (error is not null)
        {
            host.Record(cluster.Name, $"switchover of {cluster.Name} failed: {error}");
            LogFailed(logger, cluster.Name, error);
            return new SwitchoverResult(cluster.Name, false, method.Name, primary.Name, next?.Name, Math.Round(paused, 1), Math.Round(steps.Elapsed, 1), steps.All, error);
        }
        host.Record(cluster.Name, $"switchover of {cluster.Name}: {next!.Name} is the primary ({primary.Name} before), held {paused:0} ms");
        LogDone(logger, cluster.Name, primary.Name, next.Name, paused, steps.Elapsed);
        return new SwitchoverResult(cluster.Name, true, method.Name, primary.Name, next.Name, Math.Round(paused, 1), Math.Round(steps.Elapsed, 1), steps.All, null);
    }

    /// <summary>The cluster, its primary and the candidate (null: any), or null with the reason in words.</summary>
    internal (Cluster Cluster, Instance Primary, Instance? Candidate)? Validate(string clusterName, string? candidateName, out string? error)
    {
        var cluster = host.Clusters.FirstOrDefault(c => c.Name == clusterName);
        if (cluster is null)
        {
            error = $"unknown cluster '{clusterName}': this pgway hosts {Names(host.Clusters.Select(c => c.Name))}";
            return null;
        }
        var candidate = candidateName is null ? null : cluster.Instances.FirstOrDefault(i => i.Name == candidateName);
        if (candidateName is not null && candidate is null)
        {
            error = $"'{candidateName}' is not a member of cluster {cluster.Name}: its members are {Names(cluster.Instances.Select(i => i.Name))}";
            return null;
        }
        var primaryName = host.PrimaryOf(cluster, out var problem);
        if (problem is not null || primaryName is null)
        {
            error = problem ?? $"cluster {cluster.Name} has no primary now (no member is up in its primary services): nothing to switch over from";
            return null;
        }
        var primary = cluster.Instances.First(i => i.Name == primaryName);
        if (candidate == primary)
        {
            error = $"{candidate.Name} is the primary of {cluster.Name} already";
            return null;
        }
        error = null;
        return (cluster, primary, candidate);
    }

    // While the switchover waited for pgway's checks, the primary may have moved (a failover, patronictl, another
    // node's pgway): switching over from the one validated would ask Patroni to move a leader it no longer has, or,
    // without Patroni, fence an instance that is no longer the primary.
    private string? PrimaryMovedSince(string clusterName, string? candidateName, Instance primary)
    {
        if (Validate(clusterName, candidateName, out var error) is not { } now)
        {
            return error;
        }
        return now.Primary.Name == primary.Name
            ? null
            : $"the primary of {clusterName} moved from {primary.Name} to {now.Primary.Name} while this switchover waited: nothing was switched, ask again";
    }

    /// <summary>Why the candidate (null: every replica) cannot be promoted now; null when it (or one) can.</summary>
    private string? ReplicaProblem(Cluster cluster, Instance primary, Instance? candidate)
    {
        if (candidate is not null)
        {
            return host.ReplicaProblem(cluster, candidate) is { } unhealthy ? $"{candidate.Name} is not a healthy replica: {unhealthy}" : null;
        }
        return cluster.Instances.Any(i => i != primary && host.ReplicaProblem(cluster, i) is null)
            ? null
            : $"cluster {cluster.Name} has no healthy replica to switch over to";
    }

    // pgway's checks follow a member's health by a rise count, as HAProxy's do: just after a replica became
    // healthy (a restart, the switchover before) Patroni already calls it healthy while they still call it down.
    // A switchover asked for then waits for them to agree, no longer than they can take (nor than the wait
    // timeout), rather than refuse it; nothing is held meanwhile. A target that cannot rise (fenced, or nothing
    // here checks it) is refused at once, also when it is fenced during the wait.
    private async Task<string?> AwaitHealthyReplicaAsync(Cluster cluster, Instance primary, Instance? candidate, TimeSpan limit, SwitchoverSteps steps, CancellationToken cancellationToken)
    {
        if (ReplicaProblem(cluster, primary, candidate) is null)
        {
            return null;
        }
        var riseTime = RiseTime(cluster, primary, candidate);
        var within = riseTime < limit ? riseTime : limit;
        var started = time.GetTimestamp();
        var waited = false;
        while (within - time.GetElapsedTime(started) is var left && left > TimeSpan.Zero && RiseTime(cluster, primary, candidate) > TimeSpan.Zero)
        {
            await Task.Delay(left < HealthPollInterval ? left : HealthPollInterval, time, cancellationToken);
            waited = true;
            if (ReplicaProblem(cluster, primary, candidate) is null)
            {
                steps.Add("checks", $"{candidate?.Name ?? "a replica"} came up in pgway's checks (they follow Patroni's by their rise count)");
                return null;
            }
        }
        var problem = ReplicaProblem(cluster, primary, candidate);
        return problem is not null && waited
            ? string.Create(CultureInfo.InvariantCulture, $"{problem} (still, after waiting {time.GetElapsedTime(started).TotalSeconds:0.#} s for pgway's checks)")
            : problem;
    }

    // How long pgway's checks may still call the candidate (null: any replica, so the longest of theirs) down; zero when it cannot rise.
    private TimeSpan RiseTime(Cluster cluster, Instance primary, Instance? candidate) => candidate is not null
        ? host.RiseTime(cluster, candidate)
        : cluster.Instances.Where(i => i != primary).Select(i => host.RiseTime(cluster, i)).DefaultIfEmpty(TimeSpan.Zero).Max();

    // Until no held service has a transaction under way; past the timeout, the switchover is aborted.
    private async Task DrainAsync(IReadOnlyList<ISwitchoverPause> pauses, TimeSpan timeout, SwitchoverSteps steps, CancellationToken cancellationToken)
    {
        var deadline = time.GetTimestamp();
        while (pauses.Sum(p => p.InFlight) is var inFlight and > 0)
        {
            if (time.GetElapsedTime(deadline) >= timeout)
            {
                var busy = pauses.Where(p => p.InFlight > 0).Select(p => $"{p.Name} ({p.InFlight})");
                throw new SwitchoverException(string.Create(CultureInfo.InvariantCulture,
                    $"{inFlight} transaction(s) still under way after the wait timeout of {timeout.TotalSeconds:0.###} s on {string.Join(", ", busy)}: switchover aborted, nothing was switched (end the long transactions, or raise --wait-timeout)"));
            }
            await Task.Delay(PollInterval, time, cancellationToken);
        }
        steps.Add("drain", pauses.Count == 0 ? "nothing held" : "no transaction under way on the held services");
    }

    private static string Names(IEnumerable<string> names) => string.Join(", ", names) is { Length: > 0 } list ? list : "none";

    private static SwitchoverResult Failed(string cluster, SwitchoverSteps steps, string? oldPrimary, string? method, string error) =>
        new(cluster, false, method, oldPrimary, null, 0, Math.Round(steps.Elapsed, 1), steps.All, error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "switchover of {Cluster} refused: {Error}")]
    private static partial void LogRefused(ILogger logger, string cluster, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "switchover of {Cluster} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string cluster, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "switchover of {Cluster} done: {Old} → {New}; pooled primary services held {Paused:0} ms, {Total:0} ms in all")]
    private static partial void LogDone(ILogger logger, string cluster, string old, string @new, double paused, double total);
}
