using System.Diagnostics;
using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Model;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>The pooler in front of a real PostgreSQL, with Npgsql as the client.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private const string User = PoolerHarness.User;
    private const string Database = PoolerHarness.Database;

    private Pooler Start(string mode, int poolSize = 2, string? secret = null, KeyValuePair<string, string>? extra = null, string waitTimeout = "10", int backendPort = PgTestCluster.Port) =>
        Running = PoolerHarness.Start(Cluster, mode, poolSize, secret, extra is { } more ? [more] : null, waitTimeout, backendPort);

    private NpgsqlConnection Connect(string? password = null, string database = Database, string? applicationName = null, string? timezone = null) =>
        PoolerHarness.Connect(Running!, Cluster, password, database, applicationName, timezone);

    [Fact]
    public async Task Transaction_ManyClientsFewServers_EveryTransactionAnswered()
    {
        Start("transaction", poolSize: 2);

        var clients = Enumerable.Range(0, 20).Select(async c =>
        {
            await using var connection = Connect();
            await connection.OpenAsync();
            for (var i = 0; i < 10; i++)
            {
                await using var transaction = await connection.BeginTransactionAsync();
                await using var command = new NpgsqlCommand("SELECT $1::int + 1", connection, transaction) { Parameters = { new() { Value = i } } };
                Assert.Equal(i + 1, (int)(await command.ExecuteScalarAsync())!);
                await transaction.CommitAsync();
            }
        });
        await Task.WhenAll(clients).WaitAsync(Bound);

        // A server goes back to the pool just after its last answer is sent: the client may see the
        // answer first.
        await Eventually.HoldsAsync(() => Running!.ServerCounts(Database, User) is var (total, idle) && total == idle, Bound);
        Assert.InRange(Running!.ServerCounts(Database, User).Total, 1, 2);
    }

    [Fact]
    public async Task Session_SettingsLastForTheSession()
    {
        Start("session", poolSize: 1);
        await using var connection = Connect();
        await connection.OpenAsync();
        await using (var set = new NpgsqlCommand("SET application_name = 'pgway-session-test'", connection))
        {
            await set.ExecuteNonQueryAsync();
        }
        await using var show = new NpgsqlCommand("SHOW application_name", connection);

        Assert.Equal("pgway-session-test", await show.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Session_NextClient_GetsAResetServer()
    {
        Start("session", poolSize: 1);
        await using (var first = Connect())
        {
            await first.OpenAsync();
            await using var set = new NpgsqlCommand("SET application_name = 'left-behind'", first);
            await set.ExecuteNonQueryAsync();
        }
        await using var second = Connect();
        await second.OpenAsync();
        await using var show = new NpgsqlCommand("SHOW application_name", second);

        Assert.NotEqual("left-behind", await show.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Login_WrongPassword_28P01AndNoServerConnection()
    {
        Start("transaction");
        await using var connection = Connect(password: "wrong");

        var e = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("28P01", e.SqlState);
        Assert.Equal((0, 0), Running!.ServerCounts(Database, User));
    }

    [Fact]
    public async Task Login_VerifierOnly_ClientKeyLogsInToTheServer()
    {
        var verifier = await Cluster.ExecuteScalarAsync<string>(Cluster.Primary, $"SELECT rolpassword FROM pg_authid WHERE rolname = '{User}'");
        Start("transaction", secret: verifier);
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_user", connection);

        Assert.Equal(User, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Login_UnlistedDatabase_3D000()
    {
        Start("transaction", extra: new("pg_databases", "[{name: test}]"));
        await using var connection = Connect(database: "postgres");

        var e = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("3D000", e.SqlState);
    }

    [Fact]
    public async Task Transaction_ServerKilledBetweenTransactions_ClientNeverSeesIt()
    {
        Start("transaction", poolSize: 1);
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var pid = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        var serverPid = (int)(await pid.ExecuteScalarAsync())!;

        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"SELECT pg_terminate_backend({serverPid})");
        await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<bool>(Cluster.Primary,
            $"SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = {serverPid})"), Bound);

        Assert.NotEqual(serverPid, (int)(await pid.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Cancel_RunningQuery_CancelledOnTheServer()
    {
        Start("transaction", poolSize: 1);
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var sleep = new NpgsqlCommand("SELECT pg_sleep(60)", connection);
        var running = sleep.ExecuteScalarAsync();
        await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<bool>(Cluster.Primary,
            "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active')"), Bound);
        var watch = Stopwatch.StartNew();

        sleep.Cancel();

        var e = await Assert.ThrowsAsync<OperationCanceledException>(() => running.WaitAsync(Bound));
        Assert.Equal("57014", Assert.IsType<PostgresException>(e.InnerException).SqlState);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
        await using var after = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await after.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Garbage_Refused_OthersServed()
    {
        Start("transaction");
        using (var raw = new System.Net.Sockets.TcpClient())
        {
            await raw.ConnectAsync(Running!.LocalEndPoint);
            var stream = raw.GetStream();
            await stream.WriteAsync(new byte[] { 0, 0, 0, 8, 1, 2, 3, 4 });
            var answer = new byte[1];
            Assert.Equal((byte)'E', (await stream.ReadAsync(answer)) == 1 ? answer[0] : 0);
        }
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT 1", connection);

        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Transaction_PoolBusyLongerThanQueryWaitTimeout_ClientGetsAnErrorOthersGoOn()
    {
        Start("transaction", poolSize: 1, waitTimeout: "1");
        await using var holder = Connect();
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var busy = new NpgsqlCommand("SELECT 1", holder, transaction))
        {
            await busy.ExecuteScalarAsync();
        }
        await using var waiter = Connect();
        await waiter.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT 2", waiter);

        var e = await Assert.ThrowsAsync<PostgresException>(() => query.ExecuteScalarAsync().WaitAsync(Bound));

        Assert.Equal("57014", e.SqlState);
        Assert.Contains("query_wait_timeout 1s", e.MessageText, StringComparison.Ordinal);
        await transaction.CommitAsync();
        await using var after = new NpgsqlCommand("SELECT 3", holder);
        Assert.Equal(3, await after.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Transaction_ClientsWithOwnParameters_EachSeesItsOwnOnTheSharedServer()
    {
        Start("transaction", poolSize: 1);
        await using var alpha = Connect(applicationName: "alpha", timezone: "Asia/Tokyo");
        await using var beta = Connect(applicationName: "beta", timezone: "America/New_York");
        await alpha.OpenAsync();
        await beta.OpenAsync();
        Assert.Equal("Asia/Tokyo", alpha.Timezone);

        Assert.Equal("alpha|Asia/Tokyo", await ShowAsync(alpha));
        Assert.Equal("beta|America/New_York", await ShowAsync(beta));
        await using (var set = new NpgsqlCommand("SET TimeZone = 'UTC'", alpha))
        {
            await set.ExecuteNonQueryAsync();
        }
        Assert.Equal("beta|America/New_York", await ShowAsync(beta));
        Assert.Equal("alpha|UTC", await ShowAsync(alpha));
        Assert.Equal(1, Running!.ServerCounts(Database, User).Total);

        static async Task<string?> ShowAsync(NpgsqlConnection connection)
        {
            await using var show = new NpgsqlCommand("SELECT current_setting('application_name') || '|' || current_setting('TimeZone')", connection);
            return (string?)await show.ExecuteScalarAsync();
        }
    }

    [Fact]
    public async Task Timeout_ClientSendsNothing_ClosedAfterClientLoginTimeout()
    {
        Start("transaction", extra: new("pgbouncer_client_login_timeout", "1"));
        using var raw = new System.Net.Sockets.TcpClient();
        await raw.ConnectAsync(Running!.LocalEndPoint);
        var stream = raw.GetStream();

        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer).WaitAsync(Bound);

        Assert.Contains("client_login_timeout", System.Text.Encoding.UTF8.GetString(answer.ToArray()), StringComparison.Ordinal);
        Assert.Equal(0, Running.Clients);
    }

    [Fact]
    public async Task Timeout_IdleInTransaction_ClientEndedServerFreed()
    {
        Start("transaction", poolSize: 1, extra: new("pgbouncer_idle_transaction_timeout", "1"));
        await using var idle = Connect();
        await idle.OpenAsync();
        await using (var begin = new NpgsqlCommand("BEGIN", idle))
        {
            await begin.ExecuteNonQueryAsync();
        }

        await Eventually.HoldsAsync(() => Running!.Clients == 0, Bound);

        await using var other = Connect();
        await other.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT 1", other);
        Assert.Equal(1, await query.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Timeout_QueryRunsTooLong_CancelledOnTheServerAndClientEnded()
    {
        Start("transaction", poolSize: 1, extra: new("pgbouncer_query_timeout", "1"));
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var sleep = new NpgsqlCommand("SELECT pg_sleep(60)", connection);

        var e = await Assert.ThrowsAnyAsync<NpgsqlException>(() => sleep.ExecuteScalarAsync().WaitAsync(Bound));

        Assert.Contains("query_timeout", e.Message + e.InnerException?.Message, StringComparison.Ordinal);
        await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<bool>(Cluster.Primary,
            "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active')"), Bound);
    }

    [Fact]
    public async Task Login_ServerRefusesConnections_ClientToldWhy()
    {
        // Nothing listens on port 1 of the primary's address.
        Start("transaction", backendPort: 1);
        await using var connection = Connect();

        var e = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("08006", e.SqlState);
        Assert.Contains("cannot connect to the server", e.MessageText, StringComparison.Ordinal);
    }
}
