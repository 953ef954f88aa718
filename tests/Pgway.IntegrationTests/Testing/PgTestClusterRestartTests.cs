using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

public sealed class PgTestClusterRestartTests() : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica)
{
    [Fact]
    public async Task StopAsync_ThenStartAsync_ReplicaRefusesThenStreamsAgain()
    {
        var replica = Cluster.Replicas[0];
        var oldPid = replica.Pid!.Value;

        await Cluster.StopAsync(replica);

        Assert.Null(replica.Pid);
        Assert.False(PostmasterProcess.IsAlive(oldPid));
        Assert.False(await PgTestCluster.IsListeningAsync(replica));
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, "CREATE TABLE while_stopped (id int); INSERT INTO while_stopped VALUES (1)");

        await Cluster.StartAsync(replica);

        Assert.NotNull(replica.Pid);
        await Cluster.WaitForCatchUpAsync(replica);
        Assert.Equal(1L, await Cluster.ExecuteScalarAsync<long>(replica, "SELECT count(*) FROM while_stopped"));
    }

    [Fact]
    public async Task DisposeAsync_RunningCluster_LeavesNoProcessNorDirectory()
    {
        var pids = Cluster.Instances.Select(instance => instance.Pid!.Value).ToList();
        Assert.All(pids, pid => Assert.True(PostmasterProcess.IsAlive(pid)));

        await Cluster.DisposeAsync();

        Assert.All(pids, pid => Assert.False(PostmasterProcess.IsAlive(pid)));
        Assert.False(Directory.Exists(Cluster.RootDirectory));
        Assert.All(Cluster.Instances, instance => Assert.Null(instance.Pid));
    }
}
