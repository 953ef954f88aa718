using Pgway.Dcs;

namespace Pgway.Health;

// Following Patroni's leader key: the DCS watch tells the monitor who leads the moment the key changes,
// and the members of the cluster's primary services move at once instead of after rise × fastinter.
internal sealed partial class HealthMonitor
{
    /// <summary>
    /// Applies <paramref name="leader"/> (null: the cluster has no leader) to every member of
    /// <paramref name="cluster"/>'s services whose check is a primary check (<see cref="LeaderRules"/>):
    /// the leader fully up, every other member fully down. Each change is published on
    /// <see cref="StateChanged"/> with a <see cref="CheckStatus.Dcs"/> result; the changes are returned.
    /// </summary>
    public IReadOnlyList<HealthEvent> FollowLeader(string cluster, string? leader)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var now = time.GetUtcNow();
        var cause = new CheckResult(CheckStatus.Dcs, null, TimeSpan.Zero, now, leader is null ? "no leader in the DCS" : $"leader is {leader}");
        var changes = new List<HealthEvent>();
        foreach (var member in members)
        {
            if (member.Service.Cluster != cluster || member.Target is null)
            {
                continue;
            }
            if (LeaderRules.Decide(member.Service.Check, member.Member.Name, leader) is { } up && member.Override(up, cause, now) is { } change)
            {
                Publish(change);
                changes.Add(change);
            }
        }
        return changes;
    }
}
