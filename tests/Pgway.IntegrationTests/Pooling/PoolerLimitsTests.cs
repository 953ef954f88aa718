using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>The pooler's limits, server upkeep, statement mode, start-up options and auth_query, against a real PostgreSQL.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerLimitsTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private const string Meta = PgTestUsers.Meta;
    private const string Dba = PgTestUsers.Dba;
    private const string Database = PgTestUsers.TestDatabase;

    private Pooler Start(string[] users, int backendPort = PgTestCluster.Port, params (string Name, string Value)[] settings) =>
        Start(users, backendPort, null, settings);

    private Pooler Start(string[] users, int backendPort, TimeProvider? time, params (string Name, string Value)[] settings)
    {
        // No reserve unless a test asks: it would hide the limits under test.
        var variables = new Dictionary<string, string> { ["pgbouncer_reserve_pool_size"] = "0" };
        foreach (var (name, value) in settings)
        {
            variables[name.StartsWith("pg", StringComparison.Ordinal) ? name : $"pgbouncer_{name}"] = value;
        }
        Running = PoolerHarness.Start(Cluster, variables, users.ToDictionary(u => u, u => Cluster.Credentials.PasswordFor(u)), backendPort: backendPort, time: time);
        return Running;
    }

    private Pooler Start(params (string Name, string Value)[] settings) => Start([Meta], PgTestCluster.Port, settings);

    private NpgsqlConnection Connect(string user = Meta, string? password = null, string? options = null) =>
        PoolerHarness.ConnectOnce(Running!, Cluster, user, password, options);

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task<NpgsqlConnection> OpenAsync(string user = Meta, string? options = null)
    {
        var connection = Connect(user, options: options);
        await connection.OpenAsync();
        return connection;
    }

    // pg_databases is empty here: every database a client names gets a pool (PgBouncer's "*").
    [Fact]
    public async Task AutodbIdleTimeout_PoolOfAnUnlistedDatabase_KeptWhileUsedDroppedOnceUnusedThatLong()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        Start([Meta], PgTestCluster.Port, clock);
        await using (var client = await OpenAsync())
        {
            Assert.Equal(1, await ScalarAsync<int>(client, "SELECT 1"));

            // Hours pass with the client connected: its idle server goes (server_idle_timeout, which
            // shows a maintenance sweep ran meanwhile), the pool stays.
            clock.Advance(TimeSpan.FromHours(2));
            await Eventually.HoldsAsync(() => Running!.ServerCounts(Database, Meta).Total == 0, Bound);
            Assert.Contains(Running!.Pools(), p => p.Database == Database);
        }

        await Eventually.HoldsAsync(() =>
        {
            clock.Advance(TimeSpan.FromMinutes(10));
            return !Running.Pools().Any(p => p.Database == Database);
        }, Bound, () => $"pools: {string.Join(", ", Running.Pools().Select(p => p.Database))}");
        // A client later gets a new pool.
        await using var again = await OpenAsync();
        Assert.Equal(2, await ScalarAsync<int>(again, "SELECT 2"));
    }

    [Fact]
    public async Task MaxAutodbPools_MadeUpDatabaseNames_PoolsBoundedAndAClientPastTheCapRefused53400()
    {
        Start(("pgway_max_autodb_pools", "2"));
        for (var i = 0; i < 20; i++)
        {
            // Refused by PostgreSQL; the pool each made is unused at once, and makes room for the next.
            var missing = await Assert.ThrowsAsync<PostgresException>(() => OpenDatabaseAsync($"pgway_no_such_db_{i}"));
            Assert.Equal("3D000", missing.SqlState);
        }
        Assert.InRange(Running!.Pools().Count, 0, 2);

        await using var first = await OpenDatabaseAsync(Database);
        await using var second = await OpenDatabaseAsync("postgres");
        var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenDatabaseAsync("template1"));

        Assert.Equal("53400", refused.SqlState);
        Assert.Contains("pgway_max_autodb_pools (2)", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(1, await ScalarAsync<int>(first, "SELECT 1"));
    }

    private async Task<NpgsqlConnection> OpenDatabaseAsync(string database)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Connect().ConnectionString) { Database = database }.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // Time that moves only when told; timers still run on the real clock.
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private long ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
    }

    [Fact]
    public async Task Statement_SingleStatements_ShareOneServer()
    {
        Start(("poolmode", "statement"), ("default_pool_size", "1"));
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(i, await ScalarAsync<int>(first, $"SELECT {i}"));
            Assert.Equal(i, await ScalarAsync<int>(second, $"SELECT {i}"));
        }

        Assert.Equal(1, Running!.ServerCounts(Database, Meta).Total);
    }

    [Fact]
    public async Task Statement_TransactionBlock_Refused0A000AndCounted()
    {
        Start(("poolmode", "statement"), ("default_pool_size", "1"));
        await using var client = await OpenAsync();

        var e = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<object>(client, "BEGIN"));

        Assert.Equal("0A000", e.SqlState);
        Assert.Contains("statement pooling mode", e.MessageText, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => Running!.Disconnects().GetValueOrDefault(DisconnectReason.TransactionInStatementMode) == 1, Bound);
        await using var other = await OpenAsync();
        Assert.Equal(1, await ScalarAsync<int>(other, "SELECT 1"));
    }

    [Fact]
    public async Task Options_SettingsFollowTheClientAcrossServers()
    {
        Start(("default_pool_size", "1"));
        await using var withOptions = await OpenAsync(options: "-c statement_timeout=4321 --lock-timeout=1234 -c search_path=app,public");
        await using var without = await OpenAsync();

        Assert.Equal("4321ms|1234ms", await ScalarAsync<string>(withOptions, "SELECT current_setting('statement_timeout') || '|' || current_setting('lock_timeout')"));
        Assert.Equal("0|0", await ScalarAsync<string>(without, "SELECT current_setting('statement_timeout') || '|' || current_setting('lock_timeout')"));
        Assert.Equal("4321ms", await ScalarAsync<string>(withOptions, "SHOW statement_timeout"));
        // A list stays a list, as the start-up packet would set it (SET … TO 'app,public' would name one schema "app,public").
        Assert.Equal("app,public", await ScalarAsync<string>(withOptions, "SHOW search_path"));
        Assert.Equal(1, Running!.ServerCounts(Database, Meta).Total);
    }

    [Fact]
    public async Task Parameters_ReadOnlyOnesAServerReports_NeverSetAndTheRestApplied()
    {
        Start([Dba], PgTestCluster.Port, ("default_pool_size", "1"));
        await using var switcher = await OpenAsync(Dba);
        // Reported: is_superuser off, session_authorization unchanged; the server keeps it (as with PgBouncer).
        await ScalarAsync<object>(switcher, $"SET ROLE {Meta}");
        await using var named = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Connect(Dba).ConnectionString) { ApplicationName = "bee" }.ConnectionString);
        await named.OpenAsync();

        Assert.Equal("bee", await ScalarAsync<string>(named, "SELECT current_setting('application_name')"));
        Assert.Equal(1, Running!.ServerCounts(Database, Dba).Total);
    }

    [Fact]
    public async Task Copy_ExtendedProtocolWithSyncBeforeAndAfter_ServerBackInThePool()
    {
        var table = $"pgway_copy_{Guid.NewGuid():N}";
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"CREATE TABLE {table} (n int); GRANT ALL ON {table} TO {Meta}", database: Database);
        try
        {
            Start(("auth_type", "trust"), ("default_pool_size", "1"));
            using var raw = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);
            await raw.SendAsync(RawWireClient.StartupMessage(("user", Meta), ("database", Database)));
            await raw.ReadUntilAsync('Z');
            // As libpq does it: Parse/Bind/Execute/Sync, the data, CopyDone and another Sync (PostgreSQL ignores the first).
            var output = new System.Buffers.ArrayBufferWriter<byte>();
            Protocol.FrontendMessages.Parse(output, "", $"COPY {table} FROM STDIN");
            Protocol.FrontendMessages.Bind(output, "", []);
            Protocol.FrontendMessages.Execute(output);
            Protocol.FrontendMessages.Sync(output);
            await raw.SendAsync(output.WrittenSpan.ToArray());
            await raw.ReadUntilAsync('G');
            await raw.SendAsync([(byte)'d', 0, 0, 0, 7, .. "42\n"u8]);
            await raw.SendAsync([(byte)'c', 0, 0, 0, 4, (byte)'S', 0, 0, 0, 4]);
            await raw.ReadUntilAsync('Z');

            await Eventually.HoldsAsync(() => Running.ServerCounts(Database, Meta) == (1, 1), Bound);
            Assert.Equal(42, await Cluster.ExecuteScalarAsync<int>(Cluster.Primary, $"SELECT n FROM {table}", database: Database));
        }
        finally
        {
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"DROP TABLE {table}", database: Database);
        }
    }

    [Fact]
    public async Task Options_OtherSwitch_Refused0A000()
    {
        Start();
        await using var client = Connect(options: "-B 100");

        var e = await Assert.ThrowsAsync<PostgresException>(() => client.OpenAsync());

        Assert.Equal("0A000", e.SqlState);
        Assert.Contains("-c name=value", e.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_NewerMinorVersionAndProtocolOption_NegotiatedDownTo30()
    {
        Start(("auth_type", "trust"));
        using var raw = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);
        await raw.SendAsync(RawWireClient.StartupMessage((3 << 16) | 2, ("user", Meta), ("database", Database), ("_pq_.pgway_test", "on")));

        var (type, body) = (await raw.ReadMessageAsync())!.Value;
        Assert.Equal('v', type);
        Assert.Equal(3 << 16, BinaryPrimitives.ReadInt32BigEndian(body));
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(4)));
        Assert.Equal("_pq_.pgway_test\0", Encoding.UTF8.GetString(body, 8, body.Length - 8));
        Assert.Equal('R', (await raw.ReadMessageAsync())!.Value.Type);
        await raw.ReadUntilAsync('Z');
    }

    [Fact]
    public async Task MinPoolSize_ServersOpenedOnceAClientLoggedIn()
    {
        Start(("min_pool_size", "3"), ("default_pool_size", "5"));
        await using (var client = await OpenAsync())
        {
            Assert.Equal(1, await ScalarAsync<int>(client, "SELECT 1"));
        }

        // That the minimum outlives server_idle_timeout is ServerPoolTests' (on fake time, no sleep).
        await Eventually.HoldsAsync(() => Running!.ServerCounts(Database, Meta) == (3, 3), Bound);
    }

    [Fact]
    public async Task ReservePool_ClientThatWaitedGetsAnExtraServer()
    {
        Start(("default_pool_size", "1"), ("reserve_pool_size", "1"), ("reserve_pool_timeout", "1"), ("query_wait_timeout", "20"));
        await using var holder = await OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        Assert.Equal(1, await ScalarAsync<int>(holder, "SELECT 1", transaction));
        await using var waiter = await OpenAsync();

        Assert.Equal(2, await ScalarAsync<int>(waiter, "SELECT 2").WaitAsync(Bound));

        Assert.Equal(2, Running!.ServerCounts(Database, Meta).Total);
        await transaction.CommitAsync();
    }

    [Fact]
    public async Task MaxDbConnections_WaiterTimesOutNamingTheLimit()
    {
        Start(("default_pool_size", "5"), ("max_db_connections", "1"), ("query_wait_timeout", "1"));
        await using var holder = await OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        Assert.Equal(1, await ScalarAsync<int>(holder, "SELECT 1", transaction));
        await using var waiter = await OpenAsync();

        var e = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<int>(waiter, "SELECT 2").WaitAsync(Bound));

        Assert.Equal("57014", e.SqlState);
        Assert.Contains("max_db_connections 1 reached", e.MessageText, StringComparison.Ordinal);
        Assert.Equal(1, Running!.ServerCounts(Database, Meta).Total);
        await transaction.CommitAsync();
    }

    [Fact]
    public async Task MaxDbConnections_IdleServerOfAnotherUserClosedForAWaiter()
    {
        Start([Meta, Dba], PgTestCluster.Port, ("default_pool_size", "5"), ("max_db_connections", "1"), ("query_wait_timeout", "20"));
        await using var meta = await OpenAsync();
        Assert.Equal(1, await ScalarAsync<int>(meta, "SELECT 1"));
        // The server goes back to the pool just after the answer is forwarded.
        await Eventually.HoldsAsync(() => Running!.ServerCounts(Database, Meta) == (1, 1), Bound);
        await using var dba = await OpenAsync(Dba);

        Assert.Equal(Dba, await ScalarAsync<string>(dba, "SELECT current_user").WaitAsync(Bound));

        Assert.Equal(0, Running!.ServerCounts(Database, Meta).Total);
    }

    [Fact]
    public async Task MaxUserConnections_WaiterTimesOutNamingTheLimit()
    {
        Start(("default_pool_size", "5"), ("max_user_connections", "1"), ("query_wait_timeout", "1"));
        await using var holder = await OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        Assert.Equal(1, await ScalarAsync<int>(holder, "SELECT 1", transaction));
        await using var waiter = await OpenAsync();

        var e = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<int>(waiter, "SELECT 2").WaitAsync(Bound));

        Assert.Contains("max_user_connections 1 reached", e.MessageText, StringComparison.Ordinal);
        await transaction.CommitAsync();
    }

    [Theory]
    [InlineData("server_lifetime")]
    [InlineData("server_idle_timeout")]
    public async Task IdleServer_ClosedWhenTooOldOrIdleTooLong(string setting)
    {
        Start((setting, "1"), ("default_pool_size", "1"));
        await using var client = await OpenAsync();
        var first = await ScalarAsync<int>(client, "SELECT pg_backend_pid()");

        await Eventually.HoldsAsync(() => Running!.ServerCounts(Database, Meta).Total == 0, Bound);
        await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<bool>(Cluster.Primary,
            $"SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = {first})"), Bound);

        Assert.NotEqual(first, await ScalarAsync<int>(client, "SELECT pg_backend_pid()"));
    }

    [Fact]
    public async Task ServerConnectTimeout_ServerThatNeverAnswers_ClientToldAfterTheTimeout()
    {
        // A listener that never accepts, its accept queue filled: the kernel drops further SYNs,
        // so a connect to it gets no answer at all, like a host that is gone.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silent.Bind(new IPEndPoint(Cluster.Primary.Address, 0));
        silent.Listen(0);
        var fillers = Enumerable.Range(0, 4).Select(_ => new TcpClient()).ToList();
        try
        {
            var filling = fillers.Select(f => f.ConnectAsync((IPEndPoint)silent.LocalEndPoint!)).ToList();
            Start([Meta], ((IPEndPoint)silent.LocalEndPoint!).Port, ("server_connect_timeout", "1"), ("server_login_retry", "0"));
            await using var client = Connect();

            var e = await Assert.ThrowsAsync<PostgresException>(() => client.OpenAsync());

            Assert.Equal("08006", e.SqlState);
            Assert.Contains("no answer within server_connect_timeout 1s", e.MessageText, StringComparison.Ordinal);
            GC.KeepAlive(filling);
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public async Task ServerLoginRetry_AfterAFailureNewClientsToldAtOnce()
    {
        // Nothing listens on port 1 of the primary's address.
        Start([Meta], backendPort: 1, ("server_login_retry", "30"));
        await using var first = Connect();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => first.OpenAsync());
        Assert.Contains("cannot connect to the server", refused.MessageText, StringComparison.Ordinal);
        await using var second = Connect();

        var e = await Assert.ThrowsAsync<PostgresException>(() => second.OpenAsync());

        Assert.Equal("08006", e.SqlState);
        Assert.Contains("server_login_retry", e.MessageText, StringComparison.Ordinal);
        Assert.Contains("cannot connect to the server", e.MessageText, StringComparison.Ordinal);
        Assert.Equal(2, Running!.Disconnects()[DisconnectReason.ServerLoginFailed]);
    }

    [Fact]
    public async Task AuthQuery_PigstyFunction_UnlistedUserLookedUp()
    {
        // Pigsty's SECURITY DEFINER function over pg_shadow, run as postgres (pgbouncer_auth_query: true).
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, """
            CREATE SCHEMA monitor;
            CREATE FUNCTION monitor.pgbouncer_auth(p_username TEXT) RETURNS TABLE(username TEXT, password TEXT)
                LANGUAGE sql SECURITY DEFINER AS $$ SELECT usename::TEXT, passwd::TEXT FROM pg_catalog.pg_shadow WHERE usename = p_username $$;
            """, database: Database);
        try
        {
            Start([PgTestUsers.Postgres], PgTestCluster.Port, ("pgbouncer_auth_query", "true"));
            await using (var right = await OpenAsync())
            {
                Assert.Equal(Meta, await ScalarAsync<string>(right, "SELECT current_user"));
            }
            await using var wrong = Connect(password: "wrong");

            var e = await Assert.ThrowsAsync<PostgresException>(() => wrong.OpenAsync());

            Assert.True(e.SqlState == "28P01", e.SqlState + " " + e.MessageText);
            await using var unknown = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Connect().ConnectionString) { Username = "no_such_user" }.ConnectionString);
            Assert.Equal("28P01", (await Assert.ThrowsAsync<PostgresException>(() => unknown.OpenAsync())).SqlState);
        }
        finally
        {
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, "DROP SCHEMA monitor CASCADE", database: Database);
        }
    }

    [Fact]
    public async Task AuthQuery_OwnQueryThroughAuthUser()
    {
        // pgbouncer_auth_query as text is PgBouncer's auth_query; auth_dbname is where it runs.
        Start([Dba], PgTestCluster.Port, ("auth_user", Dba), ("auth_dbname", "postgres"),
            ("pgbouncer_auth_query", "'SELECT usename, passwd FROM pg_shadow WHERE usename = $1'"));
        await using var client = await OpenAsync();

        Assert.Equal(Meta, await ScalarAsync<string>(client, "SELECT current_user"));
    }

    [Fact]
    public async Task Disconnects_CountedByReason()
    {
        Start();
        await using (var wrong = Connect(password: "wrong"))
        {
            await Assert.ThrowsAsync<PostgresException>(() => wrong.OpenAsync());
        }
        await using (var good = await OpenAsync())
        {
            Assert.Equal(1, await ScalarAsync<int>(good, "SELECT 1"));
        }

        await Eventually.HoldsAsync(() => Running!.Disconnects().GetValueOrDefault(DisconnectReason.ClientClose) == 1, Bound);
        Assert.Equal(1, Running!.Disconnects()[DisconnectReason.AuthenticationFailed]);
    }

    [Fact]
    public async Task Cancel_WhileWaitingForAServer_RequestCancelledSessionGoesOn()
    {
        Start(("default_pool_size", "1"), ("query_wait_timeout", "60"));
        await using var holder = await OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        Assert.Equal(1, await ScalarAsync<int>(holder, "SELECT 1", transaction));
        await using var waiter = await OpenAsync();
        await using var waiting = new NpgsqlCommand("SELECT 2", waiter);
        var running = waiting.ExecuteScalarAsync();
        await Eventually.HoldsAsync(() => Running!.Pools().Single().ClientsWaiting == 1, Bound);

        waiting.Cancel();

        var e = await Assert.ThrowsAnyAsync<Exception>(() => running.WaitAsync(Bound));
        Assert.Equal("57014", Assert.IsType<PostgresException>(e is OperationCanceledException ? e.InnerException : e).SqlState);
        Assert.Equal(0, Running!.Pools().Single().ClientsWaiting);
        await transaction.CommitAsync();
        Assert.Equal(3, await ScalarAsync<int>(waiter, "SELECT 3"));
    }

    [Fact]
    public async Task Statistics_TransactionsQueriesBytesAndClientsCounted()
    {
        Start(("default_pool_size", "1"));
        await using var client = await OpenAsync();
        await using var other = await OpenAsync();
        Assert.Equal(1, await ScalarAsync<int>(client, "SELECT 1"));
        var before = Running!.Pools().Single().Statistics;

        for (var i = 0; i < 4; i++)
        {
            await ScalarAsync<object>(client, "BEGIN");
            await ScalarAsync<int>(client, "SELECT 1");
            await ScalarAsync<object>(client, "COMMIT");
        }
        await ScalarAsync<int>(client, "SELECT 2");
        await ScalarAsync<int>(client, "SELECT 3");

        await Eventually.HoldsAsync(() => Running.Pools().Single().ServersIdle == 1, Bound);
        var pool = Running.Pools().Single();
        Assert.Equal((Database, Meta, 2, 0, 0, 1, 1), (pool.Database, pool.User, pool.ClientsActive, pool.ClientsWaiting, pool.ServersActive, pool.ServersIdle, pool.PoolSize));
        var after = pool.Statistics;
        Assert.Equal(4 + 2, after.TotalTransactionCount - before.TotalTransactionCount);
        Assert.Equal(4 * 3 + 2, after.TotalQueryCount - before.TotalQueryCount);
        Assert.True(after.TotalReceived > before.TotalReceived && after.TotalSent > before.TotalSent);
        Assert.True(after.TotalTransactionTime > before.TotalTransactionTime && after.TotalQueryTime > before.TotalQueryTime);
        Assert.True(after.TotalTransactionTime - before.TotalTransactionTime >= after.TotalQueryTime - before.TotalQueryTime - 1000,
            "a transaction spans its queries");
    }
}
