using System.Diagnostics;
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

    // The lab's repair, which every wait for a healthy cluster falls back on: a re-based replica loses what its data
    // directory held and what ran on it (here a stand-in for a postmaster Patroni was still starting), is cloned
    // afresh from the leader and streams from it again.
    [NetworkFact]
    public async Task Rebase_ReplicaWithAStrayProcessOnItsDataDirectory_ClonedAfreshAndStreams()
    {
        var cluster = lab.Cluster;
        var leader = await cluster.WaitUntilPatroniHealthyAsync();
        var replica = cluster.Members.First(member => member != leader);
        var marker = Path.Combine(replica.DataDirectory, "pgway-rebase-marker");
        await File.WriteAllTextAsync(marker, "written before the re-clone\n");
        using var stray = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "sleep 120; :", replica.DataDirectory]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("sh did not start");
        try
        {
            await cluster.RebaseAsync(replica, CancellationToken.None);

            Assert.True(stray.WaitForExit(TimeSpan.FromSeconds(10)), "the process on the replica's data directory outlived the re-clone");
            Assert.Equal(leader, await cluster.WaitUntilPatroniHealthyAsync());
            Assert.False(File.Exists(marker), "the replica's data directory was not cloned afresh");
        }
        finally
        {
            if (!stray.HasExited)
            {
                stray.Kill(entireProcessTree: true);
            }
        }
    }
}
