using Pgway.Health;
using Pgway.Model;
using Pgway.Switchover;

namespace Pgway.Hosting;

/// <summary>Following the leader key in this process: the health monitor's routing, the running <c>dest: pool</c> services, Patroni's REST API.</summary>
internal sealed class GatewayLeaderRouting(GatewayState state, HealthMonitor monitor, HttpClient patroni, TimeProvider time) : ILeaderRouting
{
    public Instance? FindLeader(string cluster, string leader) =>
        state.Clusters.FirstOrDefault(c => c.Name == cluster)?.Instances.FirstOrDefault(i => i.Name == leader);

    public void FollowLeader(string cluster, string? leader) => monitor.FollowLeader(cluster, leader);

    public (IReadOnlyList<ISwitchoverPause> Services, TimeSpan QueryWaitTimeout) PrimaryPools(string cluster)
    {
        var held = state.PrimaryPoolServices(cluster);
        return (held, held.Count == 0 ? TimeSpan.Zero : held.Max(s => s.Pooler.Options.Settings.QueryWaitTimeout));
    }

    public Task WaitWritableAsync(Instance leader, CancellationToken cancellationToken) =>
        PatroniRestApi.WaitWritableAsync(patroni, leader, time, cancellationToken);
}
