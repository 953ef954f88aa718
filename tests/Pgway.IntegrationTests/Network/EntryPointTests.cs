using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// Every node an entry point (issue 21): from the client namespace, each host's service ports reach the right
/// member across the network through that host's own pgway — including the replicas' hosts, whose :5433 must
/// cross to the primary's host.
/// </summary>
[Collection(NetworkLab.Name)]
public sealed class EntryPointTests(NetworkLabFixture lab)
{
    private const string WhereAmI = "SELECT pg_is_in_recovery(), inet_server_addr()";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [NetworkFact]
    public Task PrimaryService_EveryHost_ReachesThePrimaryThroughItsNodePooler() =>
        EveryHostReachesAsync(MultiHostCluster.PrimaryServicePort, _ => [$"f|{lab.Cluster.Primary.Host.Address}"]);

    [NetworkFact]
    public Task DefaultServiceDestPostgres_EveryHost_ReachesThePrimary() =>
        EveryHostReachesAsync(MultiHostCluster.DefaultServicePort, _ => [$"f|{lab.Cluster.Primary.Host.Address}"]);

    [NetworkFact]
    public Task PoolService_EveryHost_ReachesThePrimary() =>
        EveryHostReachesAsync(MultiHostCluster.PoolServicePort, _ => [$"f|{lab.Cluster.Primary.Host.Address}"]);

    [NetworkFact]
    public Task ReplicaService_EveryHost_ReachesAReplica() =>
        EveryHostReachesAsync(MultiHostCluster.ReplicaServicePort, _ => [.. lab.Cluster.Members.Skip(1).Select(replica => $"t|{replica.Host.Address}")]);

    [NetworkFact]
    public Task NodePooler_EveryHost_ReachesItsOwnInstance() =>
        // As PgBouncer on a Pigsty node: the node's pooler serves the instance on that node.
        EveryHostReachesAsync(MultiHostCluster.NodePoolerPort, member => [$"{(member.Role == PgInstanceRole.Primary ? 'f' : 't')}|{member.Host.Address}"]);

    private async Task EveryHostReachesAsync(int port, Func<MultiHostMember, IReadOnlyList<string>> expected)
    {
        foreach (var member in lab.Cluster.Members)
        {
            // Eventually: a test before this one may have cut a host off; its checks need a moment to see it back.
            CommandResult? answer = null;
            await Eventually.HoldsAsync(
                async () => (answer = await lab.Cluster.PsqlFromClientAsync(member.Host, port, WhereAmI)).Succeeded,
                Bound,
                () => $"{member.Host}:{port}: {answer?.Describe()}\n{lab.Cluster.DescribeLogs()}");
            Assert.Contains(answer!.StandardOutput.Trim(), expected(member));
        }
    }
}
