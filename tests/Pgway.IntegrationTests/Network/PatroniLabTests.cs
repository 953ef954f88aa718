using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>The Patroni lab itself: Patroni across the hosts over the lab's etcd, and every host's pgway following its leader key.</summary>
[Collection(PatroniLab.Name)]
public sealed class PatroniLabTests(PatroniLabFixture lab)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [NetworkFact]
    public async Task Patroni_OneLeaderAcrossHosts_EveryHostsPrimaryServiceReachesIt()
    {
        var cluster = lab.Cluster;
        var leader = await cluster.WaitUntilPatroniHealthyAsync();

        // Patroni's own view agrees with the leader key: one leader, the others streaming replicas.
        var list = await MultiHostCluster.PatronictlAsync(leader, ["list", "-f", "json"]);
        Assert.True(list.Succeeded, list.Describe());
        Assert.Contains($"\"Member\": \"{leader.Name}\"", list.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(list.StandardOutput, "\"Role\": \"Leader\""));

        foreach (var member in cluster.Members)
        {
            CommandResult? answer = null;
            await Eventually.HoldsAsync(
                async () => (answer = await cluster.PsqlFromClientAsync(member.Host, MultiHostCluster.PrimaryServicePort, "SELECT pg_is_in_recovery(), inet_server_addr()")).Succeeded
                    && answer.StandardOutput.Trim() == $"f|{leader.Host.Address}",
                Bound,
                () => $"{member.Host}:{MultiHostCluster.PrimaryServicePort}: {answer?.Describe()}\n{cluster.DescribeLogs()}");
        }
    }
}
