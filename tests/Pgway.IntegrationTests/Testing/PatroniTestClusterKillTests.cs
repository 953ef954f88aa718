using System.Diagnostics;
using System.Net;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Testing;

public sealed class PatroniTestClusterKillTests(ITestOutputHelper output) : FreshPatroniTestClusterPerTest()
{
    [Fact]
    public async Task KillNodeAsync_Leader_ReplicaPromotedWithinTtlAndKilledNodeRejoins()
    {
        var (leader, replica) = (Cluster.Node(1), Cluster.Node(2));
        var (patroni, postmaster) = (leader.PatroniPid!.Value, leader.PostmasterPid!.Value);

        await Cluster.KillNodeAsync(leader);
        var sinceKill = Stopwatch.StartNew();

        Assert.False(PostmasterProcess.IsAlive(patroni));
        Assert.False(PostmasterProcess.IsAlive(postmaster));
        Assert.Null(leader.PatroniPid);
        await Assert.ThrowsAsync<HttpRequestException>(() => Cluster.QueryRestApiAsync(leader, "/health"));

        // The lock outlives the leader by up to ttl (20 s); the generous limit absorbs a loaded machine.
        Assert.Same(replica, await Cluster.WaitForLeaderAsync(replica, TimeSpan.FromSeconds(60)));
        output.WriteLine($"{replica.Name} promoted {sinceKill.Elapsed.TotalSeconds:0.0} s after the kill (ttl {Cluster.Options.Ttl} s).");
        Assert.False(await Cluster.ExecuteScalarAsync<bool>(replica, "SELECT pg_is_in_recovery()"));

        await Cluster.StartNodeAsync(leader);
        await Cluster.WaitUntilHealthyAsync();

        Assert.Equal(HttpStatusCode.OK, (await Cluster.QueryRestApiAsync(leader, "/replica")).StatusCode);
        Assert.Same(replica, await Cluster.LeaderAsync());
        output.WriteLine($"{leader.Name} rejoined as a replica {sinceKill.Elapsed.TotalSeconds:0.0} s after the kill.");
    }
}
