using System.Text.Json;
using Pgway.Cli;
using Pgway.IntegrationTests.Agent;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Health;

/// <summary>`pgway health --once` shows what the monitor decides about the real cluster.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class HealthCommandTests(PgTestClusterFixture fixture) : IDisposable
{
    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-health-{Guid.NewGuid():N}.yml");

    [Fact]
    public async Task Health_Once_PrintsEveryMembersStateAndExits()
    {
        var cluster = fixture.Cluster;
        await File.WriteAllTextAsync(file, cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_services", "[{name: primary-sql, port: 15433, selector: \"[]\", check: /primary, check_method: postgres}]"),
        ]));
        await using var agents = await TestAgents.StartAsync(cluster.Instances.Select(i => TestAgents.Options(cluster, i)));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await PgwayCommand.RunAsync(["health", "-c", file, "--once", "--json"], CliContext.ForWriters(output, error));

        Assert.True(exitCode == 0, error.ToString());
        var members = JsonDocument.Parse(output.ToString()).RootElement.EnumerateArray().ToList();
        string State(string service, string member) => members
            .Single(m => m.GetProperty("service").GetString() == service && m.GetProperty("member").GetString() == member)
            .GetProperty("status").GetString()!;
        Assert.Equal("UP", State("pg-test-primary", "pg-test-1"));
        Assert.Equal("DOWN", State("pg-test-primary", "pg-test-2"));
        Assert.Equal("UP", State("pg-test-primary-sql", "pg-test-1"));
        Assert.Equal("DOWN", State("pg-test-primary-sql", "pg-test-3"));
        Assert.All(members, m => Assert.NotNull(m.GetProperty("reason").GetString()));
    }

    public void Dispose() => File.Delete(file);
}
