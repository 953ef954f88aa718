using Pgway.Dcs;
using Pgway.Model;
using Pgway.Switchover;

namespace Pgway.Hosting;

/// <summary>What a switchover sees of the gateway host: its clusters, health, pooled primary services and DCS watches, read live.</summary>
internal sealed class GatewaySwitchoverHost(GatewayHost host, HttpClient patroni) : ISwitchoverHost
{
    public IReadOnlyList<Cluster> Clusters => host.Clusters;

    public string? PrimaryOf(Cluster cluster, out string? problem)
    {
        problem = null;
        if (host.DcsWatchOf(cluster.Name) is { IsConnected: true, IsLeaderKnown: true } watch)
        {
            if (watch.Leader is null)
            {
                problem = $"Patroni's leader key of {cluster.Name} names no leader now (a switchover or failover under way?)";
            }
            return watch.Leader;
        }
        var up = host.Monitor.Members
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
        if (host.Monitor.Fenced.TryGetValue(member.Name, out var reason))
        {
            return $"it is fenced ({reason})";
        }
        var checkedIn = host.Monitor.Members
            .Where(m => m.Service.Cluster == cluster.Name && m.Member.Name == member.Name && m.Target is not null && !LeaderRules.IsPrimaryCheck(m.Service.Check))
            .ToList();
        if (checkedIn.Count == 0 || checkedIn.Any(m => m.Snapshot.IsUp))
        {
            // No service checks it as a replica: Patroni, or the catch-up step, is the judge.
            return null;
        }
        return $"down in every service that checks it ({string.Join(", ", checkedIn.Select(m => $"{m.Service.FullName} {m.Snapshot.Status}"))})";
    }

    public IReadOnlyList<ISwitchoverPause> PausesOf(Cluster cluster) => host.PrimaryPoolServices(cluster.Name);

    /// <summary>
    /// Patroni's REST API unless the cluster runs without Patroni: <c>patroni_enabled: false</c> on an instance, or
    /// (no <c>pg_dcs</c>) pgway's own agents answering the checks on <c>patroni_port</c> for its hosted instances.
    /// </summary>
    public ISwitchoverMethod MethodOf(Cluster cluster, SwitchoverOptions options) => UsesPatroni(cluster, host.RunsAgentsFor(cluster))
        ? new PatroniSwitchover(patroni, host.Time, options.SwitchTimeout)
        : new PromoteSwitchover(i => ReplicaProblem(cluster, i), (m, why) => host.Monitor.Fence(m, why), m => host.Monitor.Unfence(m), host.Time, options.SwitchTimeout);

    internal static bool UsesPatroni(Cluster cluster, bool agentsRunHere) =>
        !cluster.Instances.Any(i => !i.PatroniEnabled)
        && (cluster.Dcs is not null || !agentsRunHere);

    public void FollowLeader(Cluster cluster, string leader) => host.FollowLeaderNow(cluster.Name, leader);

    public void Record(string cluster, string message) => host.RecordEvent(cluster, message);
}
