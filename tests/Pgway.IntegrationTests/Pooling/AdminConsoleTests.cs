using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>The pooler's admin console (database pgbouncer or pgway) against a real PostgreSQL: who may use it, its commands, their effect on live clients.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class AdminConsoleTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private const string Meta = PgTestUsers.Meta;
    private const string Dba = PgTestUsers.Dba;
    private const string Monitor = PgTestUsers.Monitor;

    private Pooler Start(params (string Name, string Value)[] extra)
    {
        var variables = new Dictionary<string, string>
        {
            ["pgbouncer_auth_type"] = "plain",
            ["pgbouncer_poolmode"] = "transaction",
            ["pgbouncer_default_pool_size"] = "2",
            ["pgbouncer_query_wait_timeout"] = "20",
        };
        foreach (var (name, value) in extra)
        {
            variables[name] = value;
        }
        Running = PoolerHarness.Start(Cluster, variables, Secrets());
        return Running;
    }

    private Dictionary<string, string> Secrets() => new()
    {
        [Meta] = Cluster.Credentials.PasswordFor(Meta),
        [Dba] = Cluster.Credentials.PasswordFor(Dba),
        [Monitor] = Cluster.Credentials.PasswordFor(Monitor),
    };

    private Task<AdminConsoleClient> ConsoleAsync(string user = Dba, string database = "pgbouncer", string? password = null) =>
        AdminConsoleClient.ConnectAsync(Running!.LocalEndPoint, user, password ?? Cluster.Credentials.PasswordFor(user), database);

    private async Task<NpgsqlConnection> OpenClientAsync()
    {
        var connection = PoolerHarness.ConnectOnce(Running!, Cluster, Meta);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    [Fact]
    public async Task LogIn_AdminStatsAndOtherUsers_AllowedAsPgBouncerDoes()
    {
        Start();
        using (var admin = await ConsoleAsync(Dba, "pgway"))
        {
            Assert.Equal("SHOW", (await admin.QueryAsync("SHOW VERSION")).Tag);
            Assert.Equal("RECONNECT", (await admin.QueryAsync("RECONNECT")).Tag);
        }
        using (var stats = await ConsoleAsync(Monitor))
        {
            Assert.Equal("SHOW", (await stats.QueryAsync("SHOW POOLS")).Tag);
            var refused = await stats.QueryAsync("PAUSE");
            Assert.Equal(("08P01", "admin access needed"), (refused.ErrorCode, refused.ErrorMessage));
            Assert.Equal("SHOW", (await stats.QueryAsync("SHOW STATS")).Tag);
        }
        var notListed = await Assert.ThrowsAsync<AdminLoginRefused>(() => ConsoleAsync(Meta));
        Assert.Equal(("28000", "not allowed"), (notListed.SqlState, notListed.Message[6..]));
        var wrong = await Assert.ThrowsAsync<AdminLoginRefused>(() => ConsoleAsync(Dba, password: "wrong"));
        Assert.Equal("28P01", wrong.SqlState);
        var unknown = await Assert.ThrowsAsync<AdminLoginRefused>(() => ConsoleAsync(PgTestUsers.View));
        Assert.Equal("28P01", unknown.SqlState);
        Assert.Equal(0, Running!.ServerCounts(PoolerHarness.Database, Meta).Total);
    }

    [Fact]
    public async Task Query_CaseSemicolonsAndErrors_AsPgBouncerAndSessionGoesOn()
    {
        Start();
        using var admin = await ConsoleAsync();

        Assert.Equal("SHOW", (await admin.QueryAsync("  show   Version ;  ")).Tag);
        foreach (var invalid in (string[])["SHOW FOO", "FOO", "", ";", "show pools; show version", "SHOW POOLS extra", "RELOAD now", "KILL_CLIENT"])
        {
            var answer = await admin.QueryAsync(invalid);
            Assert.Equal(("08P01", $"invalid command '{invalid}', use SHOW HELP;"), (answer.ErrorCode, answer.ErrorMessage));
        }
        var kill = await admin.QueryAsync("KILL");
        Assert.Equal("a database is required", kill.ErrorMessage);
        Assert.Equal("no such database: nosuch", (await admin.QueryAsync("PAUSE nosuch")).ErrorMessage);
        // Parse, Bind, Execute, Sync: one error for the batch, answered at its Sync.
        var extended = await admin.SendAsync([.. Message('P', "\0SHOW POOLS\0\0\0"u8), .. Message('B', "\0\0\0\0\0\0\0\0"u8), .. Message('E', "\0\0\0\0\0"u8), .. Message('S', [])]);
        Assert.Equal(("08P01", "extended query protocol not supported by admin console"), (extended.ErrorCode, extended.ErrorMessage));
        var help = await admin.QueryAsync("SHOW HELP");
        Assert.Contains("SHOW HELP|CONFIG|DATABASES|POOLS", help.Notice);
        Assert.Equal("PgBouncer 1.18.0", (await admin.QueryAsync("SHOW VERSION")).Rows.Single()[0]![..16]);
    }

    [Fact]
    public async Task ShowPoolsClientsServers_OneInTransactionOneIdle_CountsAndLinksFromLiveState()
    {
        Start();
        await using var idle = await OpenClientAsync();
        await ScalarAsync(idle, "SELECT 1");
        await using var busy = await OpenClientAsync();
        await using var transaction = await busy.BeginTransactionAsync();
        var pid = (int)(await ScalarAsync(busy, "SELECT pg_backend_pid()"))!;
        using var admin = await ConsoleAsync();

        var pool = (await admin.QueryAsync("SHOW POOLS")).Single("database", PoolerHarness.Database);
        Assert.Equal(("2", "0", "1", "transaction"), (pool["cl_active"], pool["cl_waiting"], pool["sv_active"], pool["pool_mode"]));
        var clients = await admin.QueryAsync("SHOW CLIENTS");
        Assert.Equal(2, clients.Where("database", PoolerHarness.Database).Count);
        Assert.Single(clients.Where("database", "pgbouncer"));
        var servers = await admin.QueryAsync("SHOW SERVERS");
        var server = servers.Single("remote_pid", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(("S", "active", Meta), (server["type"], server["state"], server["user"]));
        var holder = clients.Single("ptr", server["link"]!);
        Assert.Equal(server["ptr"], holder["link"]);
        var totals = (await admin.QueryAsync("SHOW STATS_TOTALS")).Single("database", PoolerHarness.Database);
        Assert.True(long.Parse(totals["query_count"]!, System.Globalization.CultureInfo.InvariantCulture) >= 2, totals["query_count"]);
        var database = (await admin.QueryAsync("SHOW DATABASES")).Single("name", PoolerHarness.Database);
        Assert.Equal(("2", "0"), (database["pool_size"], database["paused"]));
        await transaction.CommitAsync();
    }

    [Fact]
    public async Task ShowPreparedStatements_TwoClientsPrepareTheSameQuery_OneSharedStatement()
    {
        Start();
        foreach (var _ in Enumerable.Range(0, 2))
        {
            await using var client = await OpenClientAsync();
            await using var command = new NpgsqlCommand("SELECT $1::int * 7", client);
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = 6 });
            await command.PrepareAsync();
            Assert.Equal(42, await command.ExecuteScalarAsync());
        }
        await using var holder = await OpenClientAsync();
        await using (var command = new NpgsqlCommand("SELECT $1::int * 7", holder))
        {
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = 1 });
            await command.PrepareAsync();
        }
        using var admin = await ConsoleAsync();

        var statements = await admin.QueryAsync("SHOW PREPARED_STATEMENTS");

        Assert.Equal(["name", "query", "references"], statements.Columns.Select(c => c.Name));
        var row = Assert.Single(statements.Rows);
        Assert.Equal("SELECT $1::int * 7", row[1]);
        Assert.StartsWith("pgway_", row[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_WaitsForTransactionsThenNewOnesQueueUntilResume()
    {
        Start();
        await using var first = await OpenClientAsync();
        var transaction = await first.BeginTransactionAsync();
        await ScalarAsync(first, "SELECT 1");
        using var admin = await ConsoleAsync();
        using var watcher = await ConsoleAsync();

        var pause = admin.QueryAsync($"PAUSE {PoolerHarness.Database}");
        // The transaction under way goes on; PAUSE is answered only once it has ended.
        Assert.Equal(2, await ScalarAsync(first, "SELECT 2"));
        Assert.False(pause.IsCompleted);
        await transaction.CommitAsync();
        Assert.Equal("PAUSE", (await pause.WaitAsync(Bound)).Tag);

        var queued = ScalarAsync(first, "SELECT 3");
        await Eventually.HoldsAsync(async () => (await watcher.QueryAsync("SHOW POOLS")).Single("database", PoolerHarness.Database)["cl_waiting"] == "1", Bound);
        Assert.False(queued.IsCompleted);
        Assert.Equal("1", (await watcher.QueryAsync("SHOW DATABASES")).Single("name", PoolerHarness.Database)["paused"]);
        Assert.Equal("RESUME", (await watcher.QueryAsync($"RESUME {PoolerHarness.Database}")).Tag);
        Assert.Equal(3, await queued.WaitAsync(Bound));
        Assert.Equal($"database {PoolerHarness.Database} is not paused", (await watcher.QueryAsync($"RESUME {PoolerHarness.Database}")).ErrorMessage);
        Assert.Equal("pooler is not paused/suspended", (await watcher.QueryAsync("RESUME")).ErrorMessage);
    }

    [Fact]
    public async Task ShowClients_ClientQueuedBehindPause_WaitingThenActive()
    {
        Start();
        await using var client = await OpenClientAsync();
        await ScalarAsync(client, "SELECT 1");
        using var admin = await ConsoleAsync();
        Assert.Equal("PAUSE", (await admin.QueryAsync($"PAUSE {PoolerHarness.Database}").WaitAsync(Bound)).Tag);

        // Its state, read on its loop: queued for a server while the pool is paused, then holding one.
        var queued = ScalarAsync(client, "SELECT 2");
        await Eventually.HoldsAsync(async () => (await admin.QueryAsync("SHOW CLIENTS")).Single("database", PoolerHarness.Database)["state"] == "waiting", Bound);
        Assert.Equal("RESUME", (await admin.QueryAsync($"RESUME {PoolerHarness.Database}")).Tag);
        Assert.Equal(2, await queued.WaitAsync(Bound));
        Assert.Equal("active", (await admin.QueryAsync("SHOW CLIENTS")).Single("database", PoolerHarness.Database)["state"]);
    }

    [Fact]
    public async Task PauseAll_ThenPauseDatabase_Refused()
    {
        Start();
        using var admin = await ConsoleAsync();
        await using var client = await OpenClientAsync();

        Assert.Equal("PAUSE", (await admin.QueryAsync("PAUSE")).Tag);
        Assert.Equal("already suspended/paused", (await admin.QueryAsync($"PAUSE {PoolerHarness.Database}")).ErrorMessage);
        Assert.Equal("already suspended/paused", (await admin.QueryAsync("PAUSE")).ErrorMessage);
        Assert.Equal("RESUME", (await admin.QueryAsync("RESUME")).Tag);
        Assert.Equal(1, await ScalarAsync(client, "SELECT 1"));
    }

    [Fact]
    public async Task Reconnect_NewServersOpenedAndWaitCloseSeesOldOnesGone()
    {
        Start();
        await using var client = await OpenClientAsync();
        var before = (int)(await ScalarAsync(client, "SELECT pg_backend_pid()"))!;
        using var admin = await ConsoleAsync();

        Assert.Equal("RECONNECT", (await admin.QueryAsync($"RECONNECT {PoolerHarness.Database}")).Tag);
        Assert.Equal("WAIT_CLOSE", (await admin.QueryAsync($"WAIT_CLOSE {PoolerHarness.Database}").WaitAsync(Bound)).Tag);

        var after = (int)(await ScalarAsync(client, "SELECT pg_backend_pid()"))!;
        Assert.NotEqual(before, after);
        await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<long>(Cluster.Primary, $"SELECT count(*) FROM pg_stat_activity WHERE pid = {before}") == 0, Bound);
    }

    [Fact]
    public async Task WaitClose_ServerLentDuringReconnect_AnsweredOnceItIsReleased()
    {
        Start();
        await using var client = await OpenClientAsync();
        var transaction = await client.BeginTransactionAsync();
        var before = (int)(await ScalarAsync(client, "SELECT pg_backend_pid()"))!;
        using var admin = await ConsoleAsync();

        Assert.Equal("RECONNECT", (await admin.QueryAsync("RECONNECT")).Tag);
        var wait = admin.QueryAsync("WAIT_CLOSE");
        using var watcher = await ConsoleAsync();
        var server = (await watcher.QueryAsync("SHOW SERVERS")).Single("remote_pid", before.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("1", server["close_needed"]);
        Assert.False(wait.IsCompleted);
        await transaction.CommitAsync();

        Assert.Equal("WAIT_CLOSE", (await wait.WaitAsync(Bound)).Tag);
        Assert.NotEqual(before, (int)(await ScalarAsync(client, "SELECT pg_backend_pid()"))!);
    }

    [Fact]
    public async Task Kill_ClientsToldAndClosed_DatabasePausedUntilResume()
    {
        Start();
        await using var client = await OpenClientAsync();
        await client.BeginTransactionAsync();
        var pid = (int)(await ScalarAsync(client, "SELECT pg_backend_pid()"))!;
        using var admin = await ConsoleAsync();

        Assert.Equal("KILL", (await admin.QueryAsync($"KILL {PoolerHarness.Database}")).Tag);

        var e = await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(client, "SELECT 1"));
        Assert.Contains("KILL", e.Message + (e.InnerException?.Message ?? ""), StringComparison.Ordinal);
        await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<long>(Cluster.Primary, $"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}") == 0, Bound);
        Assert.Equal("1", (await admin.QueryAsync("SHOW DATABASES")).Single("name", PoolerHarness.Database)["paused"]);
        await using var next = await OpenClientAsync();
        var queued = ScalarAsync(next, "SELECT 5");
        await Eventually.HoldsAsync(async () => (await admin.QueryAsync("SHOW POOLS")).Single("database", PoolerHarness.Database)["cl_waiting"] == "1", Bound);
        Assert.Equal("RESUME", (await admin.QueryAsync($"RESUME {PoolerHarness.Database}")).Tag);
        Assert.Equal(5, await queued.WaitAsync(Bound));
        Assert.Equal(1, Running!.Disconnects()[DisconnectReason.KilledByAdmin]);
    }

    [Fact]
    public async Task KillClient_ByNumberOrPtr_ThatClientClosedOthersServed()
    {
        Start();
        await using var victim = await OpenClientAsync();
        await using var bystander = await OpenClientAsync();
        await ScalarAsync(victim, "SELECT 1");
        using var admin = await ConsoleAsync();
        var ptrs = (await admin.QueryAsync("SHOW CLIENTS")).Where("database", PoolerHarness.Database).Select(r => r[13]!).ToList();
        Assert.Equal(2, ptrs.Count);

        // Clients are listed by number: the first opened is the victim.
        Assert.Equal("KILL_CLIENT", (await admin.QueryAsync($"KILL_CLIENT {ptrs[0]}")).Tag);

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(victim, "SELECT 1"));
        Assert.Equal(2, await ScalarAsync(bystander, "SELECT 2"));
        Assert.Equal("no such client: 999999", (await admin.QueryAsync("KILL_CLIENT 999999")).ErrorMessage);
        var id = long.Parse(ptrs[1].AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("KILL_CLIENT", (await admin.QueryAsync($"KILL_CLIENT {id}")).Tag);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(bystander, "SELECT 1"));
    }

    [Fact]
    public async Task Set_ValidValueAppliedLive_BadOnesRefused()
    {
        Start();
        using var admin = await ConsoleAsync();
        await using var client = await OpenClientAsync();

        Assert.Equal("SET default_pool_size=5", (await admin.QueryAsync("SET default_pool_size = 5")).Tag);
        Assert.Equal("SET query_wait_timeout=3.5", (await admin.QueryAsync("set query_wait_timeout to '3.5';")).Tag);
        Assert.Equal("SET log_connections=0", (await admin.QueryAsync("SET log_connections = false")).Tag);

        var config = await admin.QueryAsync("SHOW CONFIG");
        Assert.Equal(("5", "50", "yes"), (config.Single("key", "default_pool_size")["value"], config.Single("key", "default_pool_size")["default"], config.Single("key", "default_pool_size")["changeable"]));
        Assert.Equal("5", (await admin.QueryAsync("SHOW DATABASES")).Single("name", PoolerHarness.Database)["pool_size"]);
        Assert.Equal(5, Running!.Options.Settings.DefaultPoolSize);
        Assert.Equal(TimeSpan.FromSeconds(3.5), Running.Options.Settings.QueryWaitTimeout);
        Assert.StartsWith("SET failed: unknown setting 'no_such'", (await admin.QueryAsync("SET no_such = 1")).ErrorMessage, StringComparison.Ordinal);
        Assert.StartsWith("SET failed: default_pool_size must be a whole number", (await admin.QueryAsync("SET default_pool_size = 'x'")).ErrorMessage, StringComparison.Ordinal);
        Assert.StartsWith("SET failed: pgway cannot change", (await admin.QueryAsync("SET listen_port = 1")).ErrorMessage, StringComparison.Ordinal);
        Assert.StartsWith("SET failed: pool_mode", (await admin.QueryAsync("SET pool_mode = bogus")).ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(5, Running.Options.Settings.DefaultPoolSize);
        Assert.Equal(1, await ScalarAsync(client, "SELECT 1"));
        Assert.Equal("RELOAD is not possible: this pooler was not started from an inventory file", (await admin.QueryAsync("RELOAD")).ErrorMessage);
    }

    [Fact]
    public async Task MaxClientConn_ConsoleClientsCount()
    {
        Start(("pgbouncer_max_client_conn", "1"));
        using var admin = await ConsoleAsync();

        await using var client = PoolerHarness.ConnectOnce(Running!, Cluster, Meta);
        var e = await Assert.ThrowsAsync<PostgresException>(() => client.OpenAsync());

        Assert.Equal("53300", e.SqlState);
        Assert.Equal("1", (await admin.QueryAsync("SHOW POOLS")).Single("database", "pgbouncer")["cl_active"]);
    }

    [Fact]
    public async Task StatsAverages_AfterAStatsPeriod_PerSecondRates()
    {
        Start(("pgbouncer_stats_period", "1"));
        await using var client = await OpenClientAsync();
        using var admin = await ConsoleAsync();

        // The averages are those of the last whole period: transactions keep coming until one has passed with them.
        var sent = 0;
        await Eventually.HoldsAsync(async () =>
        {
            for (var i = 0; i < 5; i++, sent++)
            {
                await ScalarAsync(client, "SELECT 1");
            }
            return (await admin.QueryAsync("SHOW STATS_AVERAGES")).Where("database", PoolerHarness.Database) is [var row]
                && long.Parse(row[1]!, System.Globalization.CultureInfo.InvariantCulture) > 0;
        }, Bound);
        var stats = (await admin.QueryAsync("SHOW STATS")).Single("database", PoolerHarness.Database);
        Assert.True(long.Parse(stats["total_xact_count"]!, System.Globalization.CultureInfo.InvariantCulture) >= sent);
    }

    [Fact]
    public async Task Psql_ShowPools_RealClientReadsTheConsole()
    {
        Start();
        var psql = Cluster.Binaries.PathOf("psql");
        var start = new System.Diagnostics.ProcessStartInfo(psql)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-h", Running!.LocalEndPoint.Address.ToString(), "-p", Running.LocalEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", Dba, "-d", "pgbouncer", "-X", "-c", "SHOW POOLS"])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PGPASSWORD"] = Cluster.Credentials.PasswordFor(Dba);
        start.Environment["PGCONNECT_TIMEOUT"] = "10";
        using var process = System.Diagnostics.Process.Start(start)!;
        using var timeout = new CancellationTokenSource(Bound);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        Assert.True(process.ExitCode == 0, await errors);
        Assert.Contains("cl_active", await output, StringComparison.Ordinal);
        Assert.Contains("pgbouncer", await output, StringComparison.Ordinal);
    }

    private static byte[] Message(char type, ReadOnlySpan<byte> body)
    {
        var message = new byte[5 + body.Length];
        message[0] = (byte)type;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 4 + body.Length);
        body.CopyTo(message.AsSpan(5));
        return message;
    }
}
