using Pgway.Agent;

namespace Pgway.Health;

/// <summary>
/// pgway's native check: the question in the target's path (<c>/primary</c>, <c>/read-only?lag=1MB</c>…)
/// answered by SQL against the member's postgres with the same rules as the agent, so a cluster
/// needs neither Patroni nor an agent for its services to route by role and lag.
/// </summary>
public sealed class PostgresHealthProbe : IHealthProbe
{
    private readonly InstanceStatusReader reader;
    private readonly HealthEndpoint endpoint;
    private readonly HealthQuery query;
    private readonly NodeTags tags;
    private readonly TimeProvider time;

    public PostgresHealthProbe(CheckTarget target, InstanceStatusReaderOptions instance, NodeTags tags, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(target);
        var question = target.Path.Split('?', 2);
        endpoint = PatroniHealthRules.Route("OPTIONS", question[0]);
        query = HealthQuery.Parse(question.Length > 1 ? question[1] : null);
        reader = new InstanceStatusReader(instance, time);
        this.tags = tags;
        this.time = time;
    }

    public async Task<CheckResult> ProbeAsync(TimeSpan connectTimeout, TimeSpan totalTimeout, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var status = await reader.ReadAsync(totalTimeout, cancellationToken);
        var elapsed = time.GetElapsedTime(started);
        if (status.State is PostgresState.Stopped)
        {
            return new CheckResult(CheckStatus.L4Connection, null, elapsed, time.GetUtcNow(), status.Error ?? "not running");
        }
        if (status.State is PostgresState.Unknown && elapsed >= totalTimeout)
        {
            return new CheckResult(CheckStatus.L7Timeout, null, elapsed, time.GetUtcNow(), status.Error ?? "no answer");
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
        if (status.Role != NodeRole.Replica)
        {
            return role;
        }
        var behind = status.LeaderLocation - (status.ReplayedLocation ?? 0);
        var lag = PatroniHealthRules.IsLagging(status, query.MaxLag) ? $", lagging {behind} bytes" : "";
        var sync = status.SyncRole == SyncRole.None ? "" : $", {status.SyncRole.ToString().ToLowerInvariant()}";
        return $"{role} {status.ReplicationState}{sync}{lag}{(tags.NoLoadBalance ? ", noloadbalance" : "")}";
    }

    public ValueTask DisposeAsync() => reader.DisposeAsync();
}
