using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.IntegrationTests.Agent;
using Pgway.IntegrationTests.Testing;
using Pgway.Model;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Health;

/// <summary>The monitor over the real cluster: HTTP checks through pgway's agents, and the same questions asked by SQL.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class HealthMonitorLiveTests(PgTestClusterFixture fixture)
{
    private PgTestCluster Cluster => fixture.Cluster;

    private Topology Inventory(string extraServices) => InventoryLoader.LoadText(Cluster.ToInventoryYaml([
        new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
        new("pg_services", extraServices.ReplaceLineEndings(" ")),
    ]), "live.yml") switch
    {
        { HasErrors: false, Topology: { } topology } => topology,
        var result => throw new InvalidOperationException(string.Join('\n', result.Errors)),
    };

    [Fact]
    public async Task Monitor_DefaultServicesViaAgentsAndBySql_DecideTheSame()
    {
        // Each default service's check, asked again by SQL on ports of its own.
        var topology = Inventory("""
            [{name: primary-sql, port: 15433, selector: "[]", check: /primary, check_method: postgres},
             {name: replica-sql, port: 15434, selector: "[]", check: /read-only, check_method: postgres},
             {name: offline-sql, port: 15438, selector: "[]", check: /replica, check_method: postgres}]
            """);
        await using var agents = await TestAgents.StartAsync(Cluster.Instances.Select(i => TestAgents.Options(Cluster, i)));
        await using var monitor = new HealthMonitor(topology.Clusters.SelectMany(c => c.Services), HealthMonitorOptions.Default,
            new HealthProbeFactory(TimeProvider.System), TimeProvider.System, NullLogger<HealthMonitor>.Instance);
        monitor.Start();
        await Eventually.HoldsAsync(() => monitor.Members.All(m => m.Target is null || m.Snapshot.LastResult is not null), TimeSpan.FromSeconds(30));

        bool Up(string service, int seq) => monitor.Find($"pg-test-{service}", $"pg-test-{seq}")!.Snapshot.IsUp;
        // Through the agents: the primary service has the primary only; the replica service has everyone
        // (the primary answers /read-only too); /replica excludes the primary.
        Assert.Equal([true, false, false], [Up("primary", 1), Up("primary", 2), Up("primary", 3)]);
        Assert.Equal([true, true, true], [Up("replica", 1), Up("replica", 2), Up("replica", 3)]);
        Assert.Equal([true, false, false], [Up("default", 1), Up("default", 2), Up("default", 3)]);
        Assert.True(Up("offline", 3));
        foreach (var seq in new[] { 1, 2, 3 })
        {
            Assert.Equal(Up("primary", seq), Up("primary-sql", seq));
            Assert.Equal(Up("replica", seq), Up("replica-sql", seq));
            Assert.Equal(seq != 1, Up("offline-sql", seq));
        }
        var refused = monitor.Find("pg-test-primary", "pg-test-2")!.Snapshot;
        Assert.Equal(MemberHealthState.Down, refused.State);
        Assert.Equal("L7STS/503", refused.LastResult!.Reason);
        Assert.Equal("replica streaming", monitor.Find("pg-test-primary-sql", "pg-test-2")!.Snapshot.LastResult!.Detail);
        // Services sharing a check share its probe: 3 agent paths and 3 SQL questions per node.
        Assert.Equal(monitor.Members.Where(m => m.Target is not null).Select(m => m.Target).Distinct().Count(), monitor.Targets.Count());
        Assert.True(monitor.Targets.Count() < monitor.Members.Length);
    }

    [Fact]
    public async Task Monitor_NothingOnCheckPort_MemberDownAsRefused()
    {
        var topology = Inventory("""
            [{name: nocheck, port: 15440, selector: "[? pg_role == `primary` ]", check: /primary, check_method: http}]
            """);
        var service = topology.Clusters.Single().Services.Single(s => s.Name == "nocheck");
        // pg-test's agents are not running in this test: 8008 refuses.
        await using var monitor = new HealthMonitor([service], HealthMonitorOptions.Default,
            new HealthProbeFactory(TimeProvider.System), TimeProvider.System, NullLogger<HealthMonitor>.Instance);
        var changes = new List<HealthEvent>();
        monitor.StateChanged += changes.Add;
        monitor.Start();
        await Eventually.HoldsAsync(() => changes.Count > 0, TimeSpan.FromSeconds(30));

        var change = Assert.Single(changes);
        Assert.Equal((MemberHealthState.Up, MemberHealthState.Down), (change.From, change.To));
        Assert.Equal("L4CON", change.Result.Reason);
        Assert.Contains("connection refused", change.ToString(), StringComparison.Ordinal);
    }
}
