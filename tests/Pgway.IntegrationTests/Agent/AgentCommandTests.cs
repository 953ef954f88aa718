using Pgway.Cli;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Agent;

/// <summary>`pgway agent --pg URL --listen ADDRESS:PORT` answers for one instance until stopped.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class AgentCommandTests(PgTestClusterFixture fixture)
{
    private const int Port = 8012;

    [Fact]
    public async Task Agent_UrlAndListen_AnswersUntilStopped()
    {
        var cluster = fixture.Cluster;
        var replica = cluster.Instance(2);
        var password = Uri.EscapeDataString(cluster.Credentials.PasswordFor(PgTestUsers.Monitor));
        var url = $"postgres://{PgTestUsers.Monitor}:{password}@{replica.Address}:5432/postgres";
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        var writer = TextWriter.Synchronized(output);
        var agent = Task.Run(() => PgwayCommand.RunAsync(
            ["agent", "--pg", url, "--listen", $"{replica.Address}:{Port}", "--tag", "dc=east", "--name", "pg-test-2", "--scope", "pg-test"],
            CliContext.ForWriters(writer, writer), stop.Token));
        try
        {
            Assert.Equal(200, await TestAgents.WaitForStatusAsync(replica, "/replica?tag_dc=east", 200, Port));
            Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/replica?tag_dc=west", port: Port)).Code);
            var (_, body) = await TestAgents.GetAsync(replica, "/", Port);
            Assert.Equal("pg-test-2", body.GetProperty("patroni").GetProperty("name").GetString());
            Assert.Equal("pg-test", body.GetProperty("patroni").GetProperty("scope").GetString());
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await agent);
        // The password never reaches the output.
        Assert.DoesNotContain(cluster.Credentials.PasswordFor(PgTestUsers.Monitor), output.ToString(), StringComparison.Ordinal);
        Assert.Contains($"answering on http://{replica.Address}:{Port}", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, (await TestAgents.CheckAsync(replica, "/replica", port: Port)).Code ?? 0);
    }
}
