using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

/// <summary>Proofs, on one shared 2-node cluster, that the Patroni harness builds what later tests rely on.</summary>
public sealed class PatroniTestClusterTests(PatroniTestClusterFixture fixture) : IClassFixture<PatroniTestClusterFixture>
{
    private readonly PatroniTestCluster _cluster = fixture.Cluster;

    public static TheoryData<string> Users => [.. PgTestUsers.All];

    [Theory]
    [InlineData(1, "/primary", HttpStatusCode.OK)]
    [InlineData(2, "/primary", HttpStatusCode.ServiceUnavailable)]
    [InlineData(1, "/replica", HttpStatusCode.ServiceUnavailable)]
    [InlineData(2, "/replica", HttpStatusCode.OK)]
    [InlineData(1, "/health", HttpStatusCode.OK)]
    [InlineData(2, "/health", HttpStatusCode.OK)]
    public async Task CreateAsync_TwoNodes_RestApiAnswersAsLeaderAndReplica(int seq, string path, HttpStatusCode expected)
    {
        var answer = await _cluster.QueryRestApiAsync(_cluster.Node(seq), path);

        Assert.Equal(expected, answer.StatusCode);
    }

    [Fact]
    public async Task LeaderAsync_FormedCluster_IsNodeOneAsTheDcsSays()
    {
        var leader = await _cluster.LeaderAsync();

        Assert.Same(_cluster.Node(1), leader);
        Assert.Equal("pg-test-1", await _cluster.Etcd.GetAsync(_cluster.LeaderKey));
        Assert.Equal("/service/pg-test/leader", _cluster.LeaderKey);
        Assert.Equal(PgInstanceRole.Primary, _cluster.Node(1).Role);
        Assert.Equal(PgInstanceRole.Replica, _cluster.Node(2).Role);
    }

    [Fact]
    public async Task WaitForCatchUpAsync_AfterWriteOnLeader_RowVisibleOnReplica()
    {
        var table = $"t_{Guid.NewGuid():N}";
        await _cluster.ExecuteNonQueryAsync(_cluster.Node(1), $"CREATE TABLE {table} (note text); INSERT INTO {table} VALUES ('written on the leader')");

        await _cluster.WaitForCatchUpAsync(_cluster.Node(2));

        Assert.Equal("written on the leader", await _cluster.ExecuteScalarAsync<string>(_cluster.Node(2), $"SELECT note FROM {table}"));
        Assert.True(await _cluster.ExecuteScalarAsync<bool>(_cluster.Node(2), "SELECT pg_is_in_recovery()"));
    }

    [Theory]
    [MemberData(nameof(Users))]
    public async Task OpenConnectionAsync_UserWithItsPassword_LogsInOverTcpOnEveryNode(string user)
    {
        foreach (var node in _cluster.Nodes)
        {
            await using var connection = await _cluster.OpenConnectionAsync(node, user, PgTestUsers.TestDatabase);
            await using var command = new NpgsqlCommand("SELECT current_user", connection);
            Assert.Equal(user, await command.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task CreateAsync_PigstyUsers_HaveTheirAttributes()
    {
        async Task<bool> Check(string sql) => await _cluster.ExecuteScalarAsync<bool>(_cluster.Node(1), sql);

        Assert.True(await Check("SELECT rolsuper FROM pg_roles WHERE rolname = 'dbuser_dba'"));
        Assert.True(await Check("SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'"));
        Assert.True(await Check("SELECT pg_has_role('dbuser_monitor', 'pg_monitor', 'member')"));
        Assert.True(await Check("SELECT pg_get_userbyid(datdba) = 'dbuser_meta' FROM pg_database WHERE datname = 'test'"));
        Assert.True(await Check("SELECT bool_and(rolpassword LIKE 'SCRAM-SHA-256$%') FROM pg_authid WHERE rolcanlogin"));
    }

    [Theory]
    [InlineData("/replica?tag_zone=b", HttpStatusCode.OK)]
    [InlineData("/replica?tag_zone=a", HttpStatusCode.ServiceUnavailable)]
    [InlineData("/replica?replication_state=streaming", HttpStatusCode.OK)]
    public async Task QueryRestApiAsync_ReplicaWithTags_MatchesTagQueries(string pathAndQuery, HttpStatusCode expected)
    {
        var answer = await _cluster.QueryRestApiAsync(_cluster.Node(2), pathAndQuery);

        Assert.Equal(expected, answer.StatusCode);
        Assert.Equal("b", answer.Json?["tags"]?["zone"]?.GetValue<string>());
    }

    [Theory]
    [InlineData(1, "/sync", HttpStatusCode.ServiceUnavailable)]
    [InlineData(2, "/sync", HttpStatusCode.OK)]
    [InlineData(2, "/async", HttpStatusCode.ServiceUnavailable)]
    [InlineData(1, "/read-only-sync", HttpStatusCode.OK)]
    public async Task CreateAsync_SynchronousMode_ReplicaIsTheSynchronousStandby(int seq, string path, HttpStatusCode expected)
    {
        var answer = await _cluster.QueryRestApiAsync(_cluster.Node(seq), path);

        Assert.Equal(expected, answer.StatusCode);
    }

    [Fact]
    public async Task QueryRestApiAsync_Options_AnswersWithoutBody()
    {
        var answer = await _cluster.QueryRestApiAsync(_cluster.Node(1), "/", HttpMethod.Options);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Empty(answer.Body);
    }

    [Fact]
    public async Task PatronictlAsync_List_ShowsLeaderAndSyncStandby()
    {
        var result = await _cluster.PatronictlAsync(["list", "--format", "json"]);

        Assert.True(result.Succeeded, result.Describe());
        var roles = JsonNode.Parse(result.StandardOutput)!.AsArray()
            .ToDictionary(member => member!["Member"]!.GetValue<string>(), member => member!["Role"]!.GetValue<string>());
        Assert.Equal("Leader", roles["pg-test-1"]);
        Assert.Equal("Sync Standby", roles["pg-test-2"]);
    }

    [Fact]
    public void ToInventoryYaml_SharedCluster_ListsNodesRolesAndDcs()
    {
        var yaml = _cluster.ToInventoryYaml([new("pg_version", "15")]);

        Assert.Contains("  children:\n    pg-test:\n      hosts:\n", yaml, StringComparison.Ordinal);
        Assert.Contains($"        {_cluster.Node(1).Address}: {{ pg_seq: 1, pg_role: primary }}\n", yaml, StringComparison.Ordinal);
        Assert.Contains($"        {_cluster.Node(2).Address}: {{ pg_seq: 2, pg_role: replica }}\n", yaml, StringComparison.Ordinal);
        Assert.Contains(
            $"      vars:\n        pg_cluster: pg-test\n        pg_namespace: /service\n" +
            $"        pg_dcs: {{ type: etcd, endpoints: [ \"http://{_cluster.Node(1).Address}:2379\" ], namespace: /service }}\n" +
            "        pg_version: 15\n",
            yaml,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_EvenAsRoot_PatroniAndPostgresNeverRunAsRoot()
    {
        foreach (var node in _cluster.Nodes)
        {
            foreach (var pid in new[] { node.PatroniPid!.Value, node.PostmasterPid!.Value })
            {
                var realUid = (await File.ReadAllLinesAsync($"/proc/{pid}/status"))
                    .Single(line => line.StartsWith("Uid:", StringComparison.Ordinal))
                    .Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
                Assert.NotEqual("0", realUid);
            }
        }

        Assert.Equal(Environment.UserName == "root", _cluster.RunsAsServiceUser);
    }

    [Fact]
    public void Nodes_AutomaticAllocation_OneBlockWithEtcdOnTheFirstAddress()
    {
        var addresses = _cluster.Nodes.Select(node => node.Address.GetAddressBytes()).ToList();

        Assert.All(addresses, bytes => Assert.Equal(new byte[] { 127, 77, addresses[0][2] }, bytes[..3]));
        Assert.Equal([11, 12], addresses.Select(bytes => (int)bytes[3]));
        Assert.Equal(_cluster.Node(1).Address, _cluster.Etcd.Address);
        Assert.Equal(new Uri($"http://{_cluster.Node(2).Address}:8008/"), _cluster.Node(2).RestApiUrl);
        Assert.Equal(Path.Combine(_cluster.Node(2).Directory, "patroni.yml"), _cluster.PatroniConfigPath(_cluster.Node(2)));
    }
}
