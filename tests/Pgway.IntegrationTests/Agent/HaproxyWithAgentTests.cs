using Pgway.Cli;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Agent;

/// <summary>
/// The haproxy.cfg pgway renders, run by the real HAProxy, with `pgway agent` answering its checks
/// for instances that have no Patroni: each service reaches the instance its check selects.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class HaproxyWithAgentTests(PgTestClusterFixture fixture) : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("pgway-haproxy-").FullName;

    private PgTestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Haproxy_ChecksAgainstPgwayAgent_RoutesServicesByRole()
    {
        var inventory = await WriteInventoryAsync(Cluster, directory);
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        var agent = RunAgentsAsync(Cluster, inventory, output, stop.Token);
        try
        {
            foreach (var instance in Cluster.Instances)
            {
                var expected = instance == Cluster.Primary ? 200 : 503;
                Assert.Equal(expected, await TestAgents.WaitForStatusAsync(instance, "/primary", expected));
            }
            await using var haproxy = RenderedHaproxy.Start(inventory, Cluster.Name, Cluster.Primary.Address, Cluster.ConnectionStringBuilder(Cluster.Primary, PgTestUsers.Dba), directory);

            await haproxy.WaitForRoutingAsync(5433, Cluster.Primary.Address, inRecovery: false);
            // The replica service reaches its one active member; the primary and the offline replica are backups.
            await haproxy.WaitForRoutingAsync(5434, Cluster.Instance(2).Address, inRecovery: true);
            // The offline service reaches the offline replica; the default service the primary.
            await haproxy.WaitForRoutingAsync(5438, Cluster.Instance(3).Address, inRecovery: true);
            await haproxy.WaitForRoutingAsync(5436, Cluster.Primary.Address, inRecovery: false);
            Assert.Contains("pg-test-primary/pg-test-2 is DOWN, reason: Layer7 wrong status, code: 503", haproxy.Log, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await agent);
        }
        Assert.Contains("answering on http://", output.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The cluster as an inventory whose services go straight to PostgreSQL (no pooler on the nodes yet).</summary>
    internal static async Task<string> WriteInventoryAsync(PgTestCluster cluster, string directory)
    {
        var inventory = Path.Combine(directory, "pg-test.yml");
        await File.WriteAllTextAsync(inventory, cluster.ToInventoryYaml([
            new("pg_default_service_dest", "postgres"),
            new("pg_monitor_password", $"'{cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
        ]));
        return inventory;
    }

    /// <summary>`pgway agent -c inventory --node …` for every instance, in-process, until stopped.</summary>
    internal static Task<int> RunAgentsAsync(PgTestCluster cluster, string inventory, StringWriter output, CancellationToken stop)
    {
        string[] args = ["agent", "-c", inventory, .. cluster.Instances.SelectMany(i => new[] { "--node", i.Address.ToString() })];
        var writer = TextWriter.Synchronized(output);
        return Task.Run(() => PgwayCommand.RunAsync(args, CliContext.ForWriters(writer, writer), stop));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
