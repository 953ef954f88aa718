using System.Net;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

public sealed class PatroniTestClusterSwitchoverTests() : FreshPatroniTestClusterPerTest()
{
    [Fact]
    public async Task SwitchoverAsync_ToReplica_MovesLeaderThenDisposeLeavesNoProcess()
    {
        var (oldLeader, candidate) = (Cluster.Node(1), Cluster.Node(2));
        var pids = Pids();

        await Cluster.SwitchoverAsync(candidate);

        Assert.Same(candidate, await Cluster.LeaderAsync());
        Assert.Equal(candidate.Name, await Cluster.Etcd.GetAsync(Cluster.LeaderKey));
        Assert.Equal(HttpStatusCode.OK, (await Cluster.QueryRestApiAsync(candidate, "/primary")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Cluster.QueryRestApiAsync(oldLeader, "/primary")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Cluster.QueryRestApiAsync(oldLeader, "/replica")).StatusCode);
        await Cluster.ExecuteNonQueryAsync(candidate, "CREATE TABLE after_switchover (id int); INSERT INTO after_switchover VALUES (1)");
        await Cluster.WaitForCatchUpAsync(oldLeader);
        Assert.Equal(1L, await Cluster.ExecuteScalarAsync<long>(oldLeader, "SELECT count(*) FROM after_switchover"));

        // The old leader's postgres was restarted as a replica: dispose must stop the new one too.
        pids.UnionWith(Pids());
        Assert.All(Pids(), pid => Assert.True(PostmasterProcess.IsAlive(pid)));
        await Cluster.DisposeAsync();

        Assert.All(pids, pid => Assert.False(PostmasterProcess.IsAlive(pid), $"PID {pid} still runs"));
        Assert.False(Directory.Exists(Cluster.RootDirectory));
        Assert.All(Cluster.Nodes, node => Assert.Null(node.PatroniPid));
        Assert.Null(Cluster.Etcd.Pid);
    }

    private HashSet<int> Pids() =>
    [
        Cluster.Etcd.Pid!.Value,
        .. Cluster.Nodes.SelectMany(node => new[] { node.PatroniPid!.Value, node.PostmasterPid!.Value }),
    ];
}
