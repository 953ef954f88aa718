using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Pooling.Authentication;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>How clients log in to the pooler (each auth_type, hba rules) and the client limits, against a real PostgreSQL.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerAuthTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private const string Meta = PgTestUsers.Meta;
    private const string Database = PgTestUsers.TestDatabase;

    private void Start(Dictionary<string, string> variables, string secret, HbaFile? hba = null, string? otherUser = null) =>
        Running = PoolerHarness.Start(Cluster, variables,
            otherUser is null
                ? new Dictionary<string, string> { [Meta] = secret }
                : new Dictionary<string, string> { [Meta] = secret, [otherUser] = Cluster.Credentials.PasswordFor(otherUser) },
            hba);

    private NpgsqlConnection Connect(string? password = null, string user = Meta) => PoolerHarness.ConnectOnce(Running!, Cluster, user, password);

    private async Task<string> SecretAsync(string kind) => kind switch
    {
        "password" => Cluster.Credentials.PasswordFor(Meta),
        "verifier" => (await Cluster.ExecuteScalarAsync<string>(Cluster.Primary, $"SELECT rolpassword FROM pg_authid WHERE rolname = '{Meta}'"))!,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [InlineData("scram-sha-256", "password")]
    [InlineData("scram-sha-256", "verifier")]
    [InlineData("md5", "password")]
    [InlineData("md5", "verifier")] // MD5 asked for, only a verifier known: SCRAM instead, as PgBouncer does
    [InlineData("plain", "password")]
    [InlineData("plain", "verifier")]
    public async Task AuthType_WrongPasswordRefusedWithoutAServer_RightOneServed(string authType, string secretKind)
    {
        Start(new() { ["pgbouncer_auth_type"] = authType }, await SecretAsync(secretKind));
        await using var wrong = Connect(password: "wrong");

        var e = await Assert.ThrowsAsync<PostgresException>(() => wrong.OpenAsync());

        Assert.Equal("28P01", e.SqlState);
        Assert.Equal((0, 0), Running!.ServerCounts(Database, Meta));
        await using var right = Connect();
        await right.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_user", right);
        Assert.Equal(Meta, await command.ExecuteScalarAsync());
        Assert.Equal(1, Running.Disconnects()[DisconnectReason.AuthenticationFailed]);
    }

    [Fact]
    public async Task Trust_AnyPasswordServed()
    {
        Start(new() { ["pgbouncer_auth_type"] = "trust" }, await SecretAsync("password"));
        await using var client = Connect(password: "anything at all");
        await client.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_user", client);

        Assert.Equal(Meta, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Hba_RuleMethodUsedAndRejectRefused28000()
    {
        var hba = HbaFile.Parse($"""
            host {Database} {Meta} 0.0.0.0/0 md5
            host all all 0.0.0.0/0 reject
            """, "pgbouncer_hba.conf");
        Assert.False(hba.HasErrors);
        Start(new() { ["pgbouncer_auth_type"] = "hba" }, await SecretAsync("password"), hba, otherUser: PgTestUsers.Dba);
        await using (var meta = Connect())
        {
            await meta.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_user", meta);
            Assert.Equal(Meta, await command.ExecuteScalarAsync());
        }
        await using var dba = Connect(user: PgTestUsers.Dba);

        var e = await Assert.ThrowsAsync<PostgresException>(() => dba.OpenAsync());

        Assert.Equal("28000", e.SqlState);
        Assert.Contains("rejects connection", e.MessageText, StringComparison.Ordinal);
        Assert.Equal(0, Running!.ServerCounts(Database, PgTestUsers.Dba).Total);
    }

    [Fact]
    public async Task MaxClientConn_OneMoreRefused53300NamingTheLimit()
    {
        Start(new() { ["pgbouncer_max_client_conn"] = "1" }, await SecretAsync("password"));
        await using var first = Connect();
        await first.OpenAsync();
        await using var second = Connect();

        var e = await Assert.ThrowsAsync<PostgresException>(() => second.OpenAsync());

        Assert.Equal("53300", e.SqlState);
        Assert.Contains("max_client_conn 1", e.MessageText, StringComparison.Ordinal);
        await first.CloseAsync();
        await Eventually.HoldsAsync(() => Running!.Clients == 0, Bound);
        await using var third = Connect();
        await third.OpenAsync();
    }

    [Fact]
    public async Task ClientIdleTimeout_IdleClientEndedAndCounted()
    {
        Start(new() { ["pgbouncer_client_idle_timeout"] = "1" }, await SecretAsync("password"));
        await using var client = Connect();
        await client.OpenAsync();

        await Eventually.HoldsAsync(() => Running!.Clients == 0, Bound);

        Assert.Equal(1, Running!.Disconnects()[DisconnectReason.ClientIdleTimeout]);
        await using var command = new NpgsqlCommand("SELECT 1", client);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => command.ExecuteScalarAsync());
    }
}
