using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Agent;

/// <summary>
/// Without Patroni, pgway's agent is what tells HAProxy where the primary is: when the replica is
/// promoted and the old primary stops, the primary service follows (a cluster of its own).
/// </summary>
public sealed class HaproxyFailoverWithAgentTests() : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica), IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("pgway-haproxy-").FullName;

    [Fact]
    public async Task Haproxy_ReplicaPromotedOldPrimaryStopped_PrimaryServiceFollows()
    {
        var (primary, replica) = (Cluster.Primary, Cluster.Instance(2));
        var inventory = await HaproxyWithAgentTests.WriteInventoryAsync(Cluster, directory);
        using var stop = new CancellationTokenSource();
        var agent = HaproxyWithAgentTests.RunAgentsAsync(Cluster, inventory, new StringWriter(), stop.Token);
        try
        {
            Assert.Equal(200, await TestAgents.WaitForStatusAsync(primary, "/primary", 200));
            // Enter through the replica's address: it stays up while the primary goes away.
            await using var haproxy = RenderedHaproxy.Start(inventory, Cluster.Name, replica.Address, Cluster.ConnectionStringBuilder(primary, PgTestUsers.Dba), directory);
            await haproxy.WaitForRoutingAsync(5433, primary.Address, inRecovery: false);

            await Cluster.StopAsync(primary);
            await Cluster.PromoteAsync(replica);

            // Pigsty's norm plan: rise 3 × fastinter 1 s after the first passing check, so a few seconds.
            await haproxy.WaitForRoutingAsync(5433, replica.Address, inRecovery: false);
            Assert.Contains("pg-test-primary/pg-test-1 is DOWN", haproxy.Log, StringComparison.Ordinal);
            Assert.Contains("pg-test-primary/pg-test-2 is UP", haproxy.Log, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await agent);
        }
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
