using Pgway.Agent;

namespace Pgway.Health;

/// <summary>
/// pgway's native check: the question in the target's path (<c>/primary</c>, <c>/read-only?lag=1MB</c>…)
/// answered by SQL against the member's postgres with the same rules as the agent, so a cluster
/// needs neither Patroni nor an agent for its services to route by role and lag.
/// </summary>
internal sealed class PostgresHealthProbe : IHealthProbe
{
    private readonly InstanceStatusReader reader;
    private readonly IAsyncDisposable readerLease;
    private readonly HealthEndpoint endpoint;
    private readonly HealthQuery query;
    private readonly long? maxLag;
    private readonly NodeTags tags;
    private readonly TimeProvider time;

    /// <param name="reader">The instance's status reader, possibly shared with other probes of the same instance.</param>
    /// <param name="readerLease">Released when this probe is disposed (the last release closes a shared reader).</param>
    public PostgresHealthProbe(CheckTarget target, InstanceStatusReader reader, IAsyncDisposable readerLease, NodeTags tags, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(target);
        var question = target.Path.Split('?', 2);
        endpoint = PatroniHealthRules.Route("OPTIONS", question[0]);
        query = HealthQuery.Parse(question.Length > 1 ? question[1] : null);
        maxLag = query.MaxLag;
        this.reader = reader;
        this.readerLease = readerLease;
        this.tags = tags;
        this.time = time;
    }

    /// <summary>The status reader this probe asks (shared by the probes of one instance).</summary>
    internal InstanceStatusReader Reader => reader;

    public async Task<CheckResult> ProbeAsync(CheckDeadlines deadlines, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var status = await reader.ReadAsync(deadlines.Connect, deadlines.Total, cancellationToken);
        var elapsed = time.GetElapsedTime(started);
        var failed = status.Failure switch
        {
            StatusFailure.Refused => CheckStatus.L4Connection,
            StatusFailure.ConnectTimeout => CheckStatus.L4Timeout,
            StatusFailure.Timeout => CheckStatus.L7Timeout,
            StatusFailure.Local => CheckStatus.LocalError,
            _ => (CheckStatus?)null,
        };
        if (failed is { } failure)
        {
            return new CheckResult(failure, null, elapsed, time.GetUtcNow(), status.Error ?? "no answer");
        }
        var passed = PatroniHealthRules.Decide(endpoint, query, status, tags);
        return new CheckResult(passed ? CheckStatus.L7Ok : CheckStatus.L7Status, passed ? 200 : 503, elapsed, time.GetUtcNow(), Describe(status));
    }

    private string Describe(InstanceStatus status)
    {
        if (status.State != PostgresState.Running)
        {
            return $"{PatroniStatusBody.StateName(status.State)}: {status.Error}";
        }
        var role = PatroniStatusBody.RoleName(status.Role);
        if (status.IsFencedPrimary)
        {
            return $"{role}, fenced: {status.Fence}";
        }
        if (status.Role != NodeRole.Replica)
        {
            return role;
        }
        var behind = status.LeaderLocation - (status.ReplayedLocation ?? 0);
        var lag = PatroniHealthRules.IsLagging(status, maxLag) ? $", lagging {behind} bytes" : "";
        var sync = status.SyncRole == SyncRole.None ? "" : $", {status.SyncRole.ToString().ToLowerInvariant()}";
        return $"{role} {status.ReplicationState}{sync}{lag}{(tags.NoLoadBalance ? ", noloadbalance" : "")}";
    }

    public ValueTask DisposeAsync() => readerLease.DisposeAsync();
}
