using Pgway.Admin;
using Pgway.Dcs;
using Pgway.Health;
using Pgway.Model;
using Pgway.Switchover;

namespace Pgway.Hosting;

/// <summary>What a switchover sees of the gateway host: its clusters, health, pooled primary services and DCS watches, read live.</summary>
internal sealed class GatewaySwitchoverHost(GatewayState state, HealthMonitor monitor, DcsFollower dcs, StatusEventLog events, GatewayOptions options, HttpClient patroni, TimeProvider time) : ISwitchoverHost
{
    public IReadOnlyList<Cluster> Clusters => state.Clusters;

    public string? PrimaryOf(Cluster cluster, out string? problem)
    {
        problem = null;
        if (dcs.WatchOf(cluster.Name) is { IsConnected: true, IsLeaderKnown: true } watch)
        {
            if (watch.Leader is null)
            {
                problem = $"Patroni's leader key of {cluster.Name} names no leader now (a switchover or failover under way?)";
            }
            return watch.Leader;
        }
        var up = monitor.Members
            .Where(m => m.Service.Cluster == cluster.Name && m.Target is not null && LeaderRules.IsPrimaryCheck(m.Service.Check) && m.Snapshot.IsUp)
            .Select(m => m.Member.Name)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (up.Count > 1)
        {
            problem = $"more than one member of {cluster.Name} is up as the primary ({string.Join(", ", up)}): resolve that before a switchover";
            return null;
        }
        return up.Count == 1 ? up[0] : null;
    }

    public string? ReplicaProblem(Cluster cluster, Instance member)
    {
        if (monitor.Fenced.TryGetValue(member.Name, out var reason))
        {
            return $"it is fenced ({reason})";
        }
        var checkedIn = ReplicaChecks(cluster, member);
        if (checkedIn.Count == 0 || checkedIn.Any(m => m.Snapshot.IsUp))
        {
            // No service checks it as a replica: Patroni, or the catch-up step, is the judge.
            return null;
        }
        return $"down in every service that checks it ({string.Join(", ", checkedIn.Select(m => $"{m.Service.FullName} {m.Snapshot.Status}"))})";
    }

    public TimeSpan RiseTime(Cluster cluster, Instance member) =>
        monitor.Fenced.ContainsKey(member.Name)
            ? TimeSpan.Zero
            : ReplicaChecks(cluster, member).Select(monitor.RiseTime).DefaultIfEmpty(TimeSpan.Zero).Max();

    // The member's checks in the cluster's services that check it as a replica (not as the primary).
    private List<MemberHealth> ReplicaChecks(Cluster cluster, Instance member) => [.. monitor.Members
        .Where(m => m.Service.Cluster == cluster.Name && m.Member.Name == member.Name && m.Target is not null && !LeaderRules.IsPrimaryCheck(m.Service.Check))];

    public IReadOnlyList<ISwitchoverPause> PausesOf(Cluster cluster) => state.PrimaryPoolServices(cluster.Name);

    /// <summary>
    /// Patroni's REST API unless the cluster runs without Patroni: <c>patroni_enabled: false</c> on an instance, or
    /// (no <c>pg_dcs</c>) pgway's own agents answering the checks on <c>patroni_port</c> for its hosted instances.
    /// </summary>
    public ISwitchoverMethod MethodOf(Cluster cluster, SwitchoverOptions options) => UsesPatroni(cluster, RunsAgentsFor(cluster))
        ? new PatroniSwitchover(patroni, time, options.SwitchTimeout)
        : new PromoteSwitchover(i => ReplicaProblem(cluster, i), (m, why) => monitor.Fence(m, why), m => monitor.Unfence(m), time, options.SwitchTimeout);

    internal static bool UsesPatroni(Cluster cluster, bool agentsRunHere) =>
        !cluster.Instances.Any(i => !i.PatroniEnabled)
        && (cluster.Dcs is not null || !agentsRunHere);

    // Whether this process runs pgway's agent (on patroni_port) for an instance of the cluster: then no Patroni runs there.
    private bool RunsAgentsFor(Cluster cluster) =>
        options.RunAgents && cluster.Instances.Any(i => options.Nodes.Contains(i.Address));

    public void FollowLeader(Cluster cluster, string leader) => dcs.FollowNow(cluster.Name, leader);

    public void Record(string cluster, string message) => events.Add(time.GetUtcNow(), cluster, message);
}
