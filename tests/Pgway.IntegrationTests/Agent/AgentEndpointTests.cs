using Pgway.Agent;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Agent;

/// <summary>pgway's agent answers Patroni's health endpoints for the real primary, replica and offline replica.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class AgentEndpointTests(PgTestClusterFixture fixture) : IAsyncLifetime
{
    private const int TaggedPort = 8010;
    private const int NoLoadBalancePort = 8011;

    private AgentServer? server;

    private PgTestCluster Cluster => fixture.Cluster;

    public async Task InitializeAsync()
    {
        var offline = Cluster.Instance(3);
        server = await TestAgents.StartAsync([
            .. Cluster.Instances.Select(i => TestAgents.Options(Cluster, i)),
            TestAgents.Options(Cluster, offline, TaggedPort, NodeTags.From(Newtonsoft.Json.Linq.JObject.Parse("""{"nofailover": true, "dc": "east", "clonefrom": false}"""))),
            TestAgents.Options(Cluster, offline, NoLoadBalancePort, NodeTags.From(Newtonsoft.Json.Linq.JObject.Parse("""{"noloadbalance": true}"""))),
        ]);
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    // Expected status per instance: primary, replica, offline replica (no synchronous standby configured).
    public static TheoryData<string, int, int, int> Endpoints => new()
    {
        { "/", 200, 503, 503 },
        { "/primary", 200, 503, 503 },
        { "/master", 200, 503, 503 },
        { "/read-write", 200, 503, 503 },
        { "/leader", 200, 503, 503 },
        { "/standby-leader", 503, 503, 503 },
        { "/replica", 503, 200, 200 },
        { "/replica?lag=1MB", 503, 200, 200 },
        { "/replica?replication_state=streaming", 503, 200, 200 },
        { "/replica?replication_state=in%20archive%20recovery", 503, 503, 503 },
        { "/read-only", 200, 200, 200 },
        { "/read-only?lag=16kB", 200, 200, 200 },
        { "/sync", 503, 503, 503 },
        { "/synchronous", 503, 503, 503 },
        { "/async", 503, 200, 200 },
        { "/asynchronous", 503, 200, 200 },
        { "/read-only-sync", 200, 503, 503 },
        { "/quorum", 503, 503, 503 },
        { "/read-only-quorum", 200, 503, 503 },
        { "/health", 200, 200, 200 },
        { "/no-such-endpoint", 503, 503, 503 },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Answer_Endpoint_MatchesPatroniForEachRole(string path, int primary, int replica, int offline)
    {
        int[] expected = [primary, replica, offline];
        for (var i = 0; i < 3; i++)
        {
            var instance = Cluster.Instances[i];
            var check = await TestAgents.CheckAsync(instance, path);
            var head = await TestAgents.CheckAsync(instance, path, "HEAD");
            var (status, body) = await TestAgents.GetAsync(instance, path);

            Assert.True(expected[i] == check.Code, $"OPTIONS {path} on {instance.Name}: {check}");
            Assert.Equal(expected[i], head.Code);
            Assert.Equal(expected[i], status);
            Assert.Equal("running", body.GetProperty("state").GetString());
        }
    }

    [Theory]
    [InlineData("/liveness", 200)]
    [InlineData("/readiness", 200)]
    public async Task Answer_GetOnlyEndpoints_AnswerGetAndRefuseOptions(string path, int expected)
    {
        foreach (var instance in Cluster.Instances)
        {
            Assert.Equal(expected, (await TestAgents.GetAsync(instance, path)).Status);
            // Patroni routes these for GET only; OPTIONS falls through to the generic handler.
            Assert.Equal(503, (await TestAgents.CheckAsync(instance, path)).Code);
        }
    }

    [Fact]
    public async Task Get_Primary_BodyHasPatroniFields()
    {
        var (status, body) = await TestAgents.GetAsync(Cluster.Primary, "/primary");

        Assert.Equal(200, status);
        Assert.Equal("primary", body.GetProperty("role").GetString());
        Assert.True(body.GetProperty("server_version").GetInt32() >= 140000);
        Assert.True(body.GetProperty("xlog").GetProperty("location").GetInt64() > 0);
        Assert.Equal(1, body.GetProperty("timeline").GetInt32());
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$", body.GetProperty("postmaster_start_time").GetString());
        var replication = body.GetProperty("replication").EnumerateArray().ToList();
        Assert.Equal(["pg-test-2", "pg-test-3"], replication.Select(r => r.GetProperty("application_name").GetString()).Order());
        Assert.All(replication, r =>
        {
            Assert.Equal("streaming", r.GetProperty("state").GetString());
            Assert.Equal("async", r.GetProperty("sync_state").GetString());
            Assert.Equal(PgTestUsers.Replicator, r.GetProperty("usename").GetString());
        });
        Assert.Equal("pg-test", body.GetProperty("patroni").GetProperty("scope").GetString());
        Assert.Equal("pg-test-1", body.GetProperty("patroni").GetProperty("name").GetString());
        var systemId = body.GetProperty("database_system_identifier").GetString();
        Assert.Equal(systemId, (await TestAgents.GetAsync(Cluster.Instance(2), "/")).Body.GetProperty("database_system_identifier").GetString());
    }

    [Fact]
    public async Task Get_Replica_BodyHasReplicaFields()
    {
        var (status, body) = await TestAgents.GetAsync(Cluster.Instance(2), "/replica");

        Assert.Equal(200, status);
        Assert.Equal("replica", body.GetProperty("role").GetString());
        var xlog = body.GetProperty("xlog");
        Assert.True(xlog.GetProperty("received_location").GetInt64() >= xlog.GetProperty("replayed_location").GetInt64());
        Assert.False(xlog.GetProperty("paused").GetBoolean());
        Assert.Equal("streaming", body.GetProperty("replication_state").GetString());
        Assert.False(body.TryGetProperty("sync_standby", out _));
        Assert.False(body.TryGetProperty("replication", out _));
    }

    [Fact]
    public async Task Answer_ReplayPaused_LagZeroTurnsUnavailableUntilResumed()
    {
        var replica = Cluster.Instance(2);
        var table = $"agent_lag_{Guid.NewGuid():N}";
        Assert.Equal(200, (await TestAgents.CheckAsync(replica, "/replica?lag=0")).Code);
        await Cluster.PauseReplayAsync(replica);
        try
        {
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"CREATE TABLE {table} AS SELECT generate_series(1, 1000) AS id");

            Assert.Equal(503, await TestAgents.WaitForStatusAsync(replica, "/replica?lag=0", 503));
            // Without a limit, or within one, the paused replica still serves.
            Assert.Equal(200, (await TestAgents.CheckAsync(replica, "/replica")).Code);
            Assert.Equal(200, (await TestAgents.CheckAsync(replica, "/replica?lag=1GB")).Code);
            Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/read-only?lag=0")).Code);
            Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/async?lag=0")).Code);
            var (_, body) = await TestAgents.GetAsync(replica, "/replica");
            Assert.True(body.GetProperty("xlog").GetProperty("paused").GetBoolean());
            // The other replica, not paused, keeps up.
            Assert.Equal(200, await TestAgents.WaitForStatusAsync(Cluster.Instance(3), "/replica?lag=0", 200));
        }
        finally
        {
            await Cluster.ResumeReplayAsync(replica);
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"DROP TABLE IF EXISTS {table}");
        }
        await Cluster.WaitForCatchUpAsync(replica);

        Assert.Equal(200, await TestAgents.WaitForStatusAsync(replica, "/replica?lag=0", 200));
    }

    [Fact]
    public async Task Answer_SynchronousStandbyNames_SyncFollowsThem()
    {
        var primary = Cluster.Primary;
        var (replica, offline) = (Cluster.Instance(2), Cluster.Instance(3));
        try
        {
            await SetSynchronousStandbyNamesAsync("\"pg-test-2\"");

            Assert.Equal(200, await TestAgents.WaitForStatusAsync(replica, "/sync", 200));
            Assert.Equal(503, (await TestAgents.CheckAsync(offline, "/sync")).Code);
            Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/async")).Code);
            Assert.Equal(200, (await TestAgents.CheckAsync(offline, "/async")).Code);
            Assert.Equal(200, (await TestAgents.CheckAsync(replica, "/read-only-sync")).Code);
            Assert.Equal(503, (await TestAgents.CheckAsync(offline, "/read-only-sync")).Code);
            // Patroni never counts the primary as /sync; /read-only-sync includes it.
            Assert.Equal(503, (await TestAgents.CheckAsync(primary, "/sync")).Code);
            Assert.Equal(200, (await TestAgents.CheckAsync(primary, "/read-only-sync")).Code);
            Assert.True((await TestAgents.GetAsync(replica, "/sync")).Body.GetProperty("sync_standby").GetBoolean());

            await SetSynchronousStandbyNamesAsync("ANY 1 (\"pg-test-2\", \"pg-test-3\")");

            Assert.Equal(200, await TestAgents.WaitForStatusAsync(offline, "/quorum", 200));
            Assert.Equal(200, await TestAgents.WaitForStatusAsync(replica, "/quorum", 200));
            Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/sync")).Code);
            Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/async")).Code);
            Assert.Equal(200, (await TestAgents.CheckAsync(primary, "/read-only-quorum")).Code);
        }
        finally
        {
            await SetSynchronousStandbyNamesAsync("");
        }

        Assert.Equal(200, await TestAgents.WaitForStatusAsync(replica, "/async", 200));
        Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/sync")).Code);
    }

    [Theory]
    [InlineData("/replica", 200)]
    [InlineData("/replica?tag_dc=east", 200)]
    [InlineData("/replica?tag_dc=west", 503)]
    [InlineData("/replica?tag_nofailover=true", 200)]
    [InlineData("/replica?tag_nofailover=True", 503)]
    [InlineData("/replica?tag_clonefrom=false", 200)]
    [InlineData("/replica?tag_rack=a", 503)]
    [InlineData("/read-only?tag_dc=east&tag_nofailover=true", 200)]
    [InlineData("/async?tag_dc=west", 503)]
    [InlineData("/health?tag_dc=west", 503)]
    public async Task Answer_TagConditions_MatchInstanceTags(string path, int expected)
    {
        Assert.Equal(expected, (await TestAgents.CheckAsync(Cluster.Instance(3), path, port: TaggedPort)).Code);
    }

    [Theory]
    [InlineData("/replica", 503)]
    [InlineData("/read-only", 503)]
    [InlineData("/async", 503)]
    [InlineData("/health", 200)]
    [InlineData("/primary", 503)]
    public async Task Answer_NoLoadBalanceTag_TakesNoReplicaTraffic(string path, int expected)
    {
        Assert.Equal(expected, (await TestAgents.CheckAsync(Cluster.Instance(3), path, port: NoLoadBalancePort)).Code);
    }

    [Fact]
    public async Task Get_TaggedInstance_BodyListsTags()
    {
        var (_, body) = await TestAgents.GetAsync(Cluster.Instance(3), "/replica", TaggedPort);

        var tags = body.GetProperty("tags");
        Assert.True(tags.GetProperty("nofailover").GetBoolean());
        Assert.Equal("east", tags.GetProperty("dc").GetString());
    }

    [Fact]
    public async Task Answer_BurstOfChecks_AllAnswered()
    {
        var checks = Enumerable.Range(0, 50).Select(i => TestAgents.CheckAsync(Cluster.Instances[i % 3], i % 2 == 0 ? "/primary" : "/replica"));

        var results = await Task.WhenAll(checks);

        // The primary passes /primary and fails /replica; the standbys the other way round.
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (i % 3 == 0) == (i % 2 == 0) ? 200 : 503), results.Select(r => r.Code ?? 0));
    }

    private async Task SetSynchronousStandbyNamesAsync(string names)
    {
        var value = names.Replace("'", "''", StringComparison.Ordinal);
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, names.Length == 0
            ? "ALTER SYSTEM RESET synchronous_standby_names"
            : $"ALTER SYSTEM SET synchronous_standby_names = '{value}'");
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, "SELECT pg_reload_conf()");
    }
}
