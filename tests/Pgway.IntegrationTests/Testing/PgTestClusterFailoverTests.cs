using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

public sealed class PgTestClusterFailoverTests() : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica)
{
    [Fact]
    public async Task PromoteAsync_Replica_LeavesRecoveryAndAcceptsWrites()
    {
        var replica = Cluster.Replicas[0];

        await Cluster.PromoteAsync(replica);

        Assert.False(await Cluster.ExecuteScalarAsync<bool>(replica, "SELECT pg_is_in_recovery()"));
        Assert.Null(replica.Upstream);
        await Cluster.ExecuteNonQueryAsync(replica, "CREATE TABLE after_promotion (id int); INSERT INTO after_promotion VALUES (1)");
        Assert.Equal(1L, await Cluster.ExecuteScalarAsync<long>(replica, "SELECT count(*) FROM after_promotion"));
    }
}
