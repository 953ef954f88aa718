using Npgsql;
using NpgsqlTypes;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

/// <summary>Proofs, on the shared cluster, that the harness builds what later tests rely on.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PgTestClusterTests
{
    private readonly PgTestCluster _cluster;

    public PgTestClusterTests(PgTestClusterFixture fixture)
    {
        _cluster = fixture.Cluster;
    }

    public static TheoryData<string> Users => [.. PgTestUsers.All];

    [Fact]
    public async Task WaitForCatchUpAsync_AfterWriteOnPrimary_RowVisibleOnBothReplicas()
    {
        var table = UniqueTable();
        await _cluster.ExecuteNonQueryAsync(_cluster.Primary, $"CREATE TABLE {table} (id int, note text); INSERT INTO {table} VALUES (1, 'written on the primary')");

        foreach (var replica in _cluster.Replicas)
        {
            await _cluster.WaitForCatchUpAsync(replica);
            var note = await _cluster.ExecuteScalarAsync<string>(replica, $"SELECT note FROM {table} WHERE id = 1");
            Assert.Equal("written on the primary", note);
        }
    }

    [Theory]
    [MemberData(nameof(Users))]
    public async Task OpenConnectionAsync_UserWithItsPassword_LogsInOverTcpOnEveryInstance(string user)
    {
        foreach (var instance in _cluster.Instances)
        {
            await using var connection = await _cluster.OpenConnectionAsync(instance, user);
            await using var command = new NpgsqlCommand("SELECT current_user", connection);
            Assert.Equal(user, await command.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task OpenConnectionAsync_WrongPassword_FailsWithInvalidPassword()
    {
        var builder = _cluster.ConnectionStringBuilder(_cluster.Primary, PgTestUsers.Meta, PgTestUsers.TestDatabase);
        builder.Password = "not-" + builder.Password;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
        Assert.Equal("28P01", error.SqlState);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task InetServerAddr_EachInstance_IsItsOwnAddress(int seq)
    {
        var instance = _cluster.Instance(seq);

        var address = await _cluster.ExecuteScalarAsync<string>(instance, "SELECT host(inet_server_addr())");

        Assert.Equal(instance.Address.ToString(), address);
        Assert.Equal(5432, instance.Port);
    }

    [Fact]
    public async Task CreateAsync_DefaultOptions_PrimaryWritableAndStandbysInRecovery()
    {
        Assert.False(await _cluster.ExecuteScalarAsync<bool>(_cluster.Primary, "SELECT pg_is_in_recovery()"));
        foreach (var replica in _cluster.Replicas)
        {
            Assert.True(await _cluster.ExecuteScalarAsync<bool>(replica, "SELECT pg_is_in_recovery()"));
        }

        Assert.Equal(
            [PgInstanceRole.Primary, PgInstanceRole.Replica, PgInstanceRole.Offline],
            _cluster.Instances.Select(instance => instance.Role));
        Assert.Equal(["pg-test-1", "pg-test-2", "pg-test-3"], _cluster.Instances.Select(instance => instance.Name));
    }

    [Fact]
    public async Task CreateAsync_Standbys_StreamUnderTheirInstanceNames()
    {
        await using var connection = await _cluster.OpenConnectionAsync(_cluster.Primary);
        await using var command = new NpgsqlCommand("SELECT application_name FROM pg_stat_replication WHERE state = 'streaming' ORDER BY 1", connection);
        var names = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        Assert.Equal(_cluster.Replicas.Select(replica => replica.Name).Order(), names);
    }

    [Fact]
    public async Task CreateAsync_PigstyUsers_HaveTheirAttributes()
    {
        async Task<bool> Check(string sql) => await _cluster.ExecuteScalarAsync<bool>(_cluster.Primary, sql);

        Assert.True(await Check("SELECT rolsuper FROM pg_roles WHERE rolname = 'dbuser_dba'"));
        Assert.True(await Check("SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'"));
        Assert.True(await Check("SELECT pg_has_role('dbuser_monitor', 'pg_monitor', 'member')"));
        Assert.False(await Check("SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = 'dbuser_view'"));
        Assert.True(await Check("SELECT pg_get_userbyid(datdba) = 'dbuser_meta' FROM pg_database WHERE datname = 'test'"));
        Assert.True(await Check("SELECT bool_and(rolpassword LIKE 'SCRAM-SHA-256$%') FROM pg_authid WHERE rolcanlogin"));
    }

    [Fact]
    public async Task PauseReplayAsync_WriteOnPrimary_InvisibleOnPausedReplicaUntilResumed()
    {
        var paused = _cluster.Instance(PgInstanceRole.Replica);
        var running = _cluster.Instance(PgInstanceRole.Offline);
        var table = UniqueTable();
        await _cluster.ExecuteNonQueryAsync(_cluster.Primary, $"CREATE TABLE {table} (id int)");
        await _cluster.WaitForCatchUpAsync(paused);

        await _cluster.PauseReplayAsync(paused);
        try
        {
            await _cluster.ExecuteNonQueryAsync(_cluster.Primary, $"INSERT INTO {table} VALUES (1)");
            var written = await _cluster.ExecuteScalarAsync<NpgsqlLogSequenceNumber>(_cluster.Primary, "SELECT pg_current_wal_lsn()");
            await _cluster.WaitForCatchUpAsync(running);

            Assert.Equal(1L, await _cluster.ExecuteScalarAsync<long>(running, $"SELECT count(*) FROM {table}"));
            Assert.Equal(0L, await _cluster.ExecuteScalarAsync<long>(paused, $"SELECT count(*) FROM {table}"));
            Assert.True(await _cluster.ExecuteScalarAsync<NpgsqlLogSequenceNumber>(paused, "SELECT pg_last_wal_replay_lsn()") < written);
        }
        finally
        {
            await _cluster.ResumeReplayAsync(paused);
        }

        await _cluster.WaitForCatchUpAsync(paused);
        Assert.Equal(1L, await _cluster.ExecuteScalarAsync<long>(paused, $"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public void ToInventoryYaml_SharedCluster_ListsEveryInstanceWithAddressAndRole()
    {
        var yaml = _cluster.ToInventoryYaml([new("pg_version", "15")]);

        Assert.Contains("  children:\n    pg-test:\n      hosts:\n", yaml);
        Assert.Contains($"        {_cluster.Instance(1).Address}: {{ pg_seq: 1, pg_role: primary }}\n", yaml);
        Assert.Contains($"        {_cluster.Instance(2).Address}: {{ pg_seq: 2, pg_role: replica }}\n", yaml);
        Assert.Contains($"        {_cluster.Instance(3).Address}: {{ pg_seq: 3, pg_role: offline }}\n", yaml);
        Assert.Contains("      vars:\n        pg_cluster: pg-test\n        pg_version: 15\n", yaml);
    }

    [Fact]
    public void Instances_AutomaticAllocation_UseOneBlockOfConsecutiveLoopbackAddresses()
    {
        var addresses = _cluster.Instances.Select(instance => instance.Address.GetAddressBytes()).ToList();

        Assert.All(addresses, bytes => Assert.Equal(new byte[] { 127, 77, addresses[0][2] }, bytes[..3]));
        Assert.Equal([11, 12, 13], addresses.Select(bytes => (int)bytes[3]));
    }

    [Fact]
    public async Task CreateAsync_EvenAsRoot_PostgresNeverRunsAsRoot()
    {
        var realUid = (await File.ReadAllLinesAsync($"/proc/{_cluster.Primary.Pid}/status"))
            .Single(line => line.StartsWith("Uid:", StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];

        Assert.NotEqual("0", realUid);
        Assert.Equal(Environment.UserName == "root", _cluster.RunsAsServiceUser);
    }

    private static string UniqueTable() => $"t_{Guid.NewGuid():N}";
}
