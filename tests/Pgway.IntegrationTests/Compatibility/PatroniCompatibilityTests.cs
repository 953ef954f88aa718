using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Agent;
using Pgway.Configuration;
using Npgsql;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Agent;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Compatibility;

/// <summary>
/// Real Patroni (Debian's 3.0) and pgway's agent, asked the same questions about the same instances:
/// the same answers, endpoint by endpoint; and pgway's monitor reads Patroni's API unchanged.
/// </summary>
public sealed class PatroniCompatibilityTests(PatroniTestClusterFixture fixture) : IClassFixture<PatroniTestClusterFixture>, IAsyncLifetime
{
    private const int AgentPort = 8009;

    // Endpoints both speak the same way. Left out, because Patroni 3.0 predates them: /quorum,
    // /read-only-quorum, replication_state=, and lag limits on /readiness (see docs/health.md).
    private static readonly string[] Paths =
    [
        "/", "/primary", "/master", "/read-write", "/leader", "/standby-leader", "/standby_leader",
        "/replica", "/replica?lag=1MB", "/replica?lag=16kB", "/replica?lag=nonsense",
        "/read-only", "/read-only?lag=1MB", "/sync", "/synchronous", "/async", "/asynchronous",
        "/read-only-sync", "/read-only-synchronous", "/health", "/no-such-endpoint", "/foo/replica",
        "/replica?tag_zone=a", "/replica?tag_zone=b", "/replica?tag_nofailover=false", "/replica?tag_missing=x",
        "/primary?tag_zone=x", "/read-only?tag_zone=b", "/sync?tag_zone=b", "/health?tag_zone=zz",
    ];

    private AgentServer? agents;

    private PatroniTestCluster Cluster => fixture.Cluster;

    public async Task InitializeAsync()
    {
        await Cluster.WaitUntilHealthyAsync();
        // In synchronous mode Patroni records its sync standby in the DCS a loop after PostgreSQL
        // has one; compare only once Patroni itself answers /sync.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await AnySyncStandbyAsync())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Patroni named no synchronous standby within 60 s");
            }
            await Task.Delay(100);
        }
        agents = await TestAgents.StartAsync(Cluster.Nodes.Select(node =>
        {
            var connection = Cluster.ConnectionStringBuilder(node, PgTestUsers.Monitor);
            connection.Pooling = true;
            var tags = NodeTags.From(Newtonsoft.Json.Linq.JObject.FromObject(node.Tags));
            return new AgentOptions(new IPEndPoint(node.Address, AgentPort),
                new InstanceStatusReaderOptions(connection.ConnectionString, TimeSpan.FromSeconds(2)),
                tags, Cluster.Scope, node.Name, TimeSpan.Zero);
        }));
    }

    public async Task DisposeAsync()
    {
        if (agents is not null)
        {
            await agents.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("OPTIONS")]
    [InlineData("GET")]
    public async Task Answer_EveryEndpoint_SameStatusAsPatroni(string method)
    {
        // The cluster settles (replica streaming, sync standby chosen) before answers can be compared.
        var leader = await LeaderOrThrowAsync();
        await Cluster.WaitForCatchUpAsync(Cluster.Nodes.Single(n => n != leader));
        var mismatches = new List<string>();
        foreach (var node in Cluster.Nodes)
        {
            foreach (var path in Paths)
            {
                var patroni = await AskAsync(node, PatroniTestCluster.RestApiPort, method, path);
                var pgway = await AskAsync(node, AgentPort, method, path);
                if (patroni != pgway)
                {
                    // A transient difference (a check between two Patroni loops) shows up again on a second ask.
                    patroni = await AskAsync(node, PatroniTestCluster.RestApiPort, method, path);
                    pgway = await AskAsync(node, AgentPort, method, path);
                }
                if (patroni != pgway)
                {
                    mismatches.Add($"{method} {path} on {node.Name}: Patroni {patroni}, pgway {pgway}");
                }
            }
        }

        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }

    [Fact]
    public async Task Get_Replica_BodyAgreesWithPatroniOnTheFacts()
    {
        var leader = await LeaderOrThrowAsync();
        var replica = Cluster.Nodes.Single(n => n != leader);
        var patroni = (await Cluster.QueryRestApiAsync(replica, "/replica")).Json!;
        var (_, pgway) = await TestAgents.GetAsync(replica.Address, "/replica", AgentPort);

        Assert.Equal(patroni["state"]!.GetValue<string>(), pgway.GetProperty("state").GetString());
        Assert.Equal(patroni["role"]!.GetValue<string>(), pgway.GetProperty("role").GetString());
        Assert.Equal(patroni["server_version"]!.GetValue<int>(), pgway.GetProperty("server_version").GetInt32());
        Assert.Equal(patroni["timeline"]!.GetValue<int>(), pgway.GetProperty("timeline").GetInt32());
        Assert.Equal(patroni["sync_standby"]?.GetValue<bool>() ?? false, pgway.TryGetProperty("sync_standby", out var sync) && sync.GetBoolean());
    }

    [Fact]
    public async Task Monitor_PatroniApi_DecidesByPatronisAnswers()
    {
        var leader = await LeaderOrThrowAsync();
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml([
            new("pg_services", "[{name: standby, port: 5435, selector: \"[]\", check: /sync}]"),
        ]), "patroni.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        await using var monitor = new HealthMonitor(inventory.Topology!.Clusters.SelectMany(c => c.Services), HealthMonitorOptions.Default,
            new HealthProbeFactory(TimeProvider.System), TimeProvider.System, NullLogger<HealthMonitor>.Instance);
        monitor.Start();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!monitor.Members.All(m => m.Snapshot.LastResult is not null))
        {
            Assert.True(DateTime.UtcNow < deadline, "not every member was checked within 30 s");
            await Task.Delay(20);
        }

        foreach (var node in Cluster.Nodes)
        {
            var isLeader = node == leader;
            Assert.Equal(isLeader, monitor.Find($"{Cluster.Name}-primary", node.Name)!.Snapshot.IsUp);
            Assert.True(monitor.Find($"{Cluster.Name}-replica", node.Name)!.Snapshot.IsUp);
            // Synchronous mode: the one standby is the synchronous one.
            Assert.Equal(!isLeader, monitor.Find($"{Cluster.Name}-standby", node.Name)!.Snapshot.IsUp);
        }
        Assert.Equal(PatroniTestCluster.RestApiPort, monitor.Members[0].Target!.Port);
    }

    [Fact]
    public async Task Serve_StandbyServiceOnPatroni_ReachesTheSyncStandbyOnly()
    {
        // Pigsty's custom standby service: the synchronous standby, with the primary as backup.
        var leader = await LeaderOrThrowAsync();
        var sync = await SyncStandbyAsync();
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml([
            new("pg_default_services", "[]"),
            new("pg_services", $"[{{name: standby, port: 5435, ip: '{sync.Address}', dest: postgres, selector: '[]', " +
                "backup: '[? pg_role == `primary` ]', check: /sync, options: 'inter 500ms fastinter 200ms rise 1 fall 1'}]"),
        ]), "standby.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var options = new GatewayOptions([.. Cluster.Nodes.Select(n => n.Address.ToString())], RunAgents: false,
            HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty);
        await using var gateway = await GatewayHost.StartAsync(inventory.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);

        // Patroni's /sync answers the checks: the standby is up, the primary (a backup here) is not.
        await Eventually.HoldsAsync(() => gateway.Snapshot().Single().Members.All(m => m.Health?.LastResult is not null), TimeSpan.FromSeconds(30));
        var service = gateway.Snapshot().Single();
        Assert.True(service.Members.Single(m => m.Address == sync.Address.ToString()).IsUp);
        Assert.False(service.Members.Single(m => m.Address == leader.Address.ToString()).IsUp);

        for (var i = 0; i < 3; i++)
        {
            var builder = Cluster.ConnectionStringBuilder(sync);
            builder.Port = 5435;
            builder.Pooling = false;
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT host(inet_server_addr()), pg_is_in_recovery()", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(sync.Address.ToString(), reader.GetString(0));
            Assert.True(reader.GetBoolean(1));
        }
        Assert.Equal(3, gateway.Snapshot().Single().TotalSessions);
    }

    private async Task<PatroniNode> SyncStandbyAsync()
    {
        foreach (var node in Cluster.Nodes)
        {
            if ((await Cluster.QueryRestApiAsync(node, "/sync")).StatusCode == HttpStatusCode.OK)
            {
                return node;
            }
        }
        throw new InvalidOperationException("Patroni names no synchronous standby");
    }

    private async Task<bool> AnySyncStandbyAsync()
    {
        foreach (var node in Cluster.Nodes)
        {
            if ((await Cluster.QueryRestApiAsync(node, "/sync")).StatusCode == HttpStatusCode.OK)
            {
                return true;
            }
        }
        return false;
    }

    private async Task<PatroniNode> LeaderOrThrowAsync() =>
        await Cluster.LeaderAsync() ?? throw new InvalidOperationException("the Patroni cluster has no leader");

    private static async Task<int> AskAsync(PatroniNode node, int port, string method, string path)
    {
        if (method == "GET")
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            using var response = await http.GetAsync(new Uri($"http://{node.Address}:{port}{path}"));
            return (int)response.StatusCode;
        }
        await using var probe = new HttpHealthProbe(new CheckTarget(Model.HealthCheckKind.Http, node.Address.ToString(), port, method, path), TimeProvider.System);
        var result = await probe.ProbeAsync(new CheckDeadlines(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15)), CancellationToken.None);
        return result.Code ?? -1;
    }
}
