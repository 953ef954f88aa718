using System.Net.Sockets;
using Npgsql;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

public sealed class PgTestClusterCrashTests() : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica)
{
    [Fact]
    public async Task KillAsync_Primary_RefusesConnectionsAndPidIsGone()
    {
        var primary = Cluster.Primary;
        var pid = primary.Pid!.Value;
        Assert.True(PostmasterProcess.IsAlive(pid));

        await Cluster.KillAsync(primary);

        Assert.False(PostmasterProcess.IsAlive(pid));
        Assert.Null(primary.Pid);
        Assert.False(await PgTestCluster.IsListeningAsync(primary));
        var error = await Assert.ThrowsAsync<NpgsqlException>(() => Cluster.OpenConnectionAsync(primary));
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(error.InnerException).SocketErrorCode);
        Assert.True(await Cluster.ExecuteScalarAsync<bool>(Cluster.Replicas[0], "SELECT pg_is_in_recovery()"));
    }

    [Fact]
    public async Task StartAsync_AfterKill_RecoversAndAcceptsWrites()
    {
        var primary = Cluster.Primary;
        await Cluster.ExecuteNonQueryAsync(primary, "CREATE TABLE before_crash (id int); INSERT INTO before_crash VALUES (1)");
        await Cluster.KillAsync(primary);

        await Cluster.StartAsync(primary);

        Assert.NotNull(primary.Pid);
        Assert.Equal(1L, await Cluster.ExecuteScalarAsync<long>(primary, "SELECT count(*) FROM before_crash"));
        await Cluster.ExecuteNonQueryAsync(primary, "INSERT INTO before_crash VALUES (2)");
        await Cluster.WaitForCatchUpAsync(Cluster.Replicas[0]);
        Assert.Equal(2L, await Cluster.ExecuteScalarAsync<long>(Cluster.Replicas[0], "SELECT count(*) FROM before_crash"));
    }
}
