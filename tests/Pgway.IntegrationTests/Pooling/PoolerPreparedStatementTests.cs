using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Protocol;
using Pgway.Testing;
using Pgway.Transport;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// Protocol-level prepared statements in transaction mode: clients prepare under their own names,
/// run on whichever server they get, and never see what pgway does to make that work.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerPreparedStatementTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private const string User = PoolerHarness.User;
    private const string Database = PoolerHarness.Database;

    private readonly List<Func<Task>> cleanups = [];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var cleanup in Enumerable.Reverse(cleanups))
        {
            await cleanup();
        }
    }

    private Pooler Start(int poolSize, params KeyValuePair<string, string>[] extra) =>
        Running = PoolerHarness.Start(Cluster, "transaction", poolSize, extra: [new("pgbouncer_auth_type", "trust"), .. extra]);

    [Fact]
    public async Task Pgbench_PreparedInTransactionMode_EveryTransactionProcessedNoneFailed()
    {
        const int Clients = 8;
        const int TransactionsPerClient = 200;
        var (database, drop) = await PoolerHarness.CreatePgbenchDatabaseAsync(Cluster, "pooler_prepared");
        cleanups.Add(drop);
        Start(poolSize: 3, new KeyValuePair<string, string>("pgbouncer_reserve_pool_size", "0"));

        // TPC-B's seven statements and -S's one, each prepared once per client and run on any of 3
        // servers. pgbench prepares a statement synchronously, blocking its thread: with clients
        // sharing a thread, one waiting for a server would stall the others holding servers inside
        // their transactions, so the multi-statement script runs a thread per client.
        var readWrite = await RunClientAsync("pgbench", ["-n", "-M", "prepared", "-c", $"{Clients}", "-j", $"{Clients}", "-t", $"{TransactionsPerClient}", .. Target(database)]);
        var selectOnly = await RunClientAsync("pgbench", ["-n", "-S", "-M", "prepared", "-c", $"{Clients}", "-j", "2", "-t", $"{TransactionsPerClient}", .. Target(database)]);

        foreach (var result in (CommandResult[])[readWrite, selectOnly])
        {
            Assert.True(result.Succeeded, result.Describe());
            var processed = Clients * TransactionsPerClient;
            Assert.Contains($"number of transactions actually processed: {processed}/{processed}\n", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("number of failed transactions: 0 (0.000%)", result.StandardOutput, StringComparison.Ordinal);
        }
        Assert.InRange(Running!.ServerCounts(database, User).Total, 1, 3);
    }

    [Fact]
    public async Task NpgsqlAutoPrepare_ManyClientsSharingTwoServers_RightAnswersAndStatementsShared()
    {
        Start(poolSize: 2);
        var builder = PoolerHarness.ConnectionStringBuilder(Running!, Cluster);
        builder.MaxAutoPrepare = 10;
        builder.AutoPrepareMinUsages = 2;

        await Task.WhenAll(Enumerable.Range(0, 12).Select(async client =>
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            for (var i = 0; i < 40; i++)
            {
                await using var transaction = i % 3 == 0 ? await connection.BeginTransactionAsync() : null;
                Assert.Equal(client * 1000 + i, await ScalarAsync<int>(connection, "SELECT $1::int", client * 1000 + i));
                Assert.Equal($"c{client}-{i}", await ScalarAsync<string>(connection, "SELECT 'c' || $1::text || '-' || $2::text", client, i));
                Assert.Equal(i * 2L, await ScalarAsync<long>(connection, "SELECT $1::bigint * 2", (long)i));
                if (transaction is not null)
                {
                    await transaction.CommitAsync();
                }
            }
        }));

        // Three distinct statements, whatever the twelve clients called them, each prepared at most once per server.
        Assert.Equal(3, Running!.Statements.Count);
        await using var probe = PoolerHarness.Connect(Running, Cluster);
        await probe.OpenAsync();
        Assert.InRange(await ScalarAsync<long>(probe, "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'pgway%'"), 1, 3);
    }

    [Fact]
    public async Task NpgsqlExplicitPrepare_UsedAcrossTransactionsOnDifferentServers_Works()
    {
        // One epoll loop: both clients draw on one idle list, newest first, so the holder's transaction
        // takes the server this client used last and this client moves to the other. (On two loops each
        // client would keep a server of its own loop, and the statement would never move.)
        var loops = new EpollLoopGroup(1, TimeProvider.System);
        cleanups.Add(() =>
        {
            loops.Dispose();
            return Task.CompletedTask;
        });
        Running = PoolerHarness.Start(Cluster, "transaction", 2, extra: [new("pgbouncer_auth_type", "trust")], loops: loops);
        await using var holder = PoolerHarness.Connect(Running!, Cluster);
        await holder.OpenAsync();
        await using var connection = PoolerHarness.Connect(Running!, Cluster);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT $1::int + 1, pg_backend_pid()", connection);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = 0 });
        await command.PrepareAsync();

        var backends = new HashSet<int>();
        for (var i = 0; i < 20; i++)
        {
            // Another client holds a server now and then, so this one moves between the two.
            await using var busy = i % 2 == 0 ? await holder.BeginTransactionAsync() : null;
            if (busy is not null)
            {
                await ScalarAsync<int>(holder, "SELECT 1");
            }
            command.Parameters[0].Value = i;
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(i + 1, reader.GetInt32(0));
            backends.Add(reader.GetInt32(1));
        }

        Assert.Equal(2, backends.Count);
    }

    [Fact]
    public async Task RawPipeline_SeveralStatementsParsedBoundExecutedInOneBatch_AnswersInOrder()
    {
        Start(poolSize: 1);
        using var raw = await LogInAsync();
        var batch = new ArrayBufferWriter<byte>();
        for (var i = 1; i <= 3; i++)
        {
            FrontendMessages.Parse(batch, $"s{i}", $"SELECT {i} * $1::int");
        }
        for (var i = 1; i <= 3; i++)
        {
            FrontendMessages.Bind(batch, $"s{i}", ["10"]);
            FrontendMessages.Execute(batch);
        }
        FrontendMessages.Sync(batch);
        await raw.SendAsync(batch.WrittenSpan.ToArray());

        Assert.Equal("1 1 1 2 D C 2 D C 2 D C Z", await ReadTypesUntilReadyAsync(raw, out var rows));
        Assert.Equal(["10", "20", "30"], rows);

        // The same names in the next transaction, on a server that has the statements already.
        batch.Clear();
        for (var i = 3; i >= 1; i--)
        {
            FrontendMessages.Bind(batch, $"s{i}", ["2"]);
            FrontendMessages.Execute(batch);
        }
        FrontendMessages.Sync(batch);
        await raw.SendAsync(batch.WrittenSpan.ToArray());
        Assert.Equal("2 D C 2 D C 2 D C Z", await ReadTypesUntilReadyAsync(raw, out rows));
        Assert.Equal(["6", "4", "2"], rows);
    }

    [Fact]
    public async Task RawClose_NameReusedForAnotherQuery_TheNewQueryRuns()
    {
        Start(poolSize: 1);
        using var raw = await LogInAsync();

        Assert.Equal("1 2 D C Z", await RunAsync(raw, Parse("s", "SELECT 'first'"), Bind("s"), Execute(), Sync()));
        Assert.Equal("3 Z", await RunAsync(raw, Close("s"), Sync()));
        Assert.Equal("1 2 D C Z", await RunAsync(raw, Parse("s", "SELECT 'second'"), Bind("s"), Execute(), Sync()));
        Assert.Equal("2 D C Z", await RunAsync(raw, out var rows, Bind("s"), Execute(), Sync()));
        Assert.Equal(["second"], rows);

        // Closed and never prepared again: the server says it does not exist.
        await RunAsync(raw, Close("s"), Sync());
        var error = await RunForErrorAsync(raw, Bind("s"), Execute(), Sync());
        Assert.Equal("26000", RawWireClient.Field(error, 'C'));
    }

    [Fact]
    public async Task RawDescribe_OfANamedStatement_ParameterAndRowDescriptions()
    {
        Start(poolSize: 1);
        using var raw = await LogInAsync();

        Assert.Equal("1 t T Z", await RunAsync(raw, Parse("d", "SELECT $1::int AS n, 'x'::text AS t"), Describe("d"), Sync()));
        Assert.Equal("t T Z", await RunAsync(raw, Describe("d"), Sync()));
    }

    [Fact]
    public async Task LeastRecentlyUsed_MoreStatementsThanACacheHolds_AllRunAndTheServerHoldsAtMostTheLimit()
    {
        Start(poolSize: 1, new KeyValuePair<string, string>("pgbouncer_max_prepared_statements", "2"));
        using var raw = await LogInAsync();
        for (var i = 0; i < 5; i++)
        {
            await RunAsync(raw, Parse($"q{i}", $"SELECT {i} AS q{i}"), Sync());
        }

        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal("2 D C Z", await RunAsync(raw, out var rows, Bind($"q{i}"), Execute(), Sync()));
                Assert.Equal([$"{i}"], rows);
            }
        }

        Assert.Equal(["2"], (await RunQueryAsync(raw, "SELECT count(*) FROM pg_prepared_statements")).Rows);
    }

    [Fact]
    public async Task DiscardAll_ClearsTheClientsNames_ThenTheyCanBePreparedAgain()
    {
        Start(poolSize: 1);
        using var raw = await LogInAsync();
        await RunAsync(raw, Parse("s", "SELECT 1"), Sync());

        await RunQueryAsync(raw, "DISCARD ALL");
        var error = await RunForErrorAsync(raw, Bind("s"), Execute(), Sync());
        Assert.Equal("26000", RawWireClient.Field(error, 'C'));

        Assert.Equal("1 2 D C Z", await RunAsync(raw, Parse("s", "SELECT 1"), Bind("s"), Execute(), Sync()));
        await RunQueryAsync(raw, "DEALLOCATE ALL");
        Assert.Equal("26000", RawWireClient.Field(await RunForErrorAsync(raw, Bind("s"), Execute(), Sync()), 'C'));
    }

    [Fact]
    public async Task PlanResultTypeChanged_EveryRunErrs_UntilTheClientPreparesAgain()
    {
        var table = $"pooler_{Guid.NewGuid():N}";
        cleanups.Add(() => Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"DROP TABLE IF EXISTS {table}", database: Database));
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"CREATE TABLE {table} (a int); INSERT INTO {table} VALUES (1)", user: User, database: Database);
        Start(poolSize: 1);
        using var raw = await LogInAsync();
        await RunAsync(raw, Parse("all", $"SELECT * FROM {table}"), Bind("all"), Execute(), Sync());

        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"ALTER TABLE {table} ADD COLUMN b text DEFAULT 'b'", user: User, database: Database);
        // PostgreSQL fixes a named statement's result type at Parse: every later Bind fails, not
        // only the first, until the client closes the statement and prepares it again.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var error = await RunForErrorAsync(raw, Bind("all"), Execute(), Sync());
            Assert.Equal("0A000", RawWireClient.Field(error, 'C'));
        }

        Assert.Equal("3 1 2 D C Z", await RunAsync(raw, out var rows, Close("all"), Parse("all", $"SELECT * FROM {table}"), Bind("all"), Execute(), Sync()));
        Assert.Equal(["1|b"], rows);
    }

    [Fact]
    public async Task FailingParseInABatch_ErrorThenTheNextBatchRuns()
    {
        Start(poolSize: 1);
        using var raw = await LogInAsync();

        var error = await RunForErrorAsync(raw, Parse("good", "SELECT 1"), Parse("bad", "SELEKT 1"), Bind("good"), Execute(), Sync());
        Assert.Equal("42601", RawWireClient.Field(error, 'C'));

        // "good" was prepared before the error: it is there. "bad" is not.
        Assert.Equal("2 D C Z", await RunAsync(raw, Bind("good"), Execute(), Sync()));
        Assert.Equal("26000", RawWireClient.Field(await RunForErrorAsync(raw, Bind("bad"), Execute(), Sync()), 'C'));
    }

    // --- helpers -----------------------------------------------------------------------------------

    private async Task<RawWireClient> LogInAsync()
    {
        var raw = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);
        await raw.SendAsync(RawWireClient.StartupMessage(("user", User), ("database", Database)));
        Assert.Equal((byte)'I', (await raw.ReadUntilAsync('Z'))[0]);
        return raw;
    }

    private static byte[] Parse(string name, string sql) => WireClient.Parse(name, sql);

    private static byte[] Bind(string name) => WireClient.Bind(name);

    private static byte[] Execute() => WireClient.Execute();

    private static byte[] Sync() => WireClient.Sync();

    private static byte[] Close(string name) => WireClient.Close(name);

    private static byte[] Describe(string name) => WireClient.DescribeStatement(name);

    private static Task<string> RunAsync(RawWireClient raw, params byte[][] messages) => RunAsync(raw, out _, messages);

    private static Task<string> RunAsync(RawWireClient raw, out List<string> rows, params byte[][] messages)
    {
        var collected = new List<string>();
        rows = collected;
        return SendAndReadAsync(raw, collected, messages);
    }

    private static async Task<string> SendAndReadAsync(RawWireClient raw, List<string> rows, byte[][] messages)
    {
        await raw.SendAsync([.. messages.SelectMany(m => m)]);
        return await ReadTypesUntilReadyAsync(raw, rows);
    }

    private static Task<string> ReadTypesUntilReadyAsync(RawWireClient raw, out List<string> rows)
    {
        var collected = new List<string>();
        rows = collected;
        return ReadTypesUntilReadyAsync(raw, collected);
    }

    [Fact]
    public async Task Parse_PastTheClientsLimits_54000NamingTheSettingAndTheSessionGoesOn()
    {
        Start(poolSize: 1, new KeyValuePair<string, string>("pgway_max_client_prepared_statements", "3"),
            new KeyValuePair<string, string>("pgway_max_client_prepared_bytes", "100000"));
        using var client = await WireClient.LogInAsync(Running!.LocalEndPoint, User, Database, Bound);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Empty(await ErrorsOfAsync(client, WireClient.Parse($"s{i}", $"SELECT {i}"), WireClient.Sync()));
        }

        var tooMany = Assert.Single(await ErrorsOfAsync(client, WireClient.Parse("s4", "SELECT 4"), WireClient.Sync()));
        Assert.Equal("54000", RawWireClient.Field(tooMany, 'C'));
        Assert.Contains("pgway_max_client_prepared_statements 3", RawWireClient.Field(tooMany, 'M'), StringComparison.Ordinal);

        // Inside a transaction block the refusal aborts it, as any failing Parse does in PostgreSQL.
        Assert.Empty(await ErrorsOfAsync(client, WireClient.Query("BEGIN")));
        Assert.Single(await ErrorsOfAsync(client, WireClient.Parse("s4", "SELECT 4"), WireClient.Sync()));
        Assert.Equal("25P02", RawWireClient.Field(Assert.Single(await ErrorsOfAsync(client, WireClient.Query("SELECT 1"))), 'C'));
        Assert.Empty(await ErrorsOfAsync(client, WireClient.Query("ROLLBACK")));

        // Room made: one Close, and two large texts; the second is past the bytes limit.
        Assert.Empty(await ErrorsOfAsync(client, WireClient.Close("s1"), WireClient.Close("s2"), WireClient.Sync()));
        var large = $"SELECT '{new string('x', 60_000)}'";
        Assert.Empty(await ErrorsOfAsync(client, WireClient.Parse("big1", large), WireClient.Sync()));
        var tooLarge = Assert.Single(await ErrorsOfAsync(client, WireClient.Parse("big2", large.Replace('x', 'y')), WireClient.Sync()));
        Assert.Equal("54000", RawWireClient.Field(tooLarge, 'C'));
        Assert.Contains("pgway_max_client_prepared_bytes 100000", RawWireClient.Field(tooLarge, 'M'), StringComparison.Ordinal);

        // What the client has still works.
        await client.SendAsync(WireClient.Bind("s3"), WireClient.Execute(), WireClient.Sync());
        var answer = await client.ReadUntilReadyAsync();
        Assert.Equal(["3"], answer.Rows);
        Assert.Empty(answer.Errors);
    }

    [Fact]
    public async Task ClientLeaves_EveryStatementReferenceItHeldIsGiven()
    {
        Start(poolSize: 1);
        using (var client = await WireClient.LogInAsync(Running!.LocalEndPoint, User, Database, Bound))
        {
            for (var i = 0; i < 20; i++)
            {
                Assert.Empty(await ErrorsOfAsync(client, WireClient.Parse($"a{i}", $"SELECT {i % 5}"), WireClient.Sync()));
            }
            Assert.Equal(5, Running.Statements.Count);
            // A Close sent and the client gone before its answer.
            await client.SendAsync(WireClient.Close("a0"), WireClient.Flush());
        }

        // Only the server's cache refers to them now: one reference each.
        await Eventually.HoldsAsync(() => Running.Clients == 0, Bound, () => $"clients: {Running.Clients}");
        await Eventually.HoldsAsync(() => Running.Statements.Snapshot().All(s => s.References == 1), Bound,
            () => string.Join(", ", Running.Statements.Snapshot().Select(s => $"{s.ServerName}:{s.References}")));
    }

    // The ErrorResponse bodies the messages were answered with, up to ReadyForQuery.
    private static async Task<List<byte[]>> ErrorsOfAsync(WireClient client, params byte[][] messages)
    {
        await client.SendAsync(messages);
        var errors = new List<byte[]>();
        while (true)
        {
            var message = await client.ReadMessageAsync();
            Assert.True(message is not null, "the connection ended before ReadyForQuery");
            if (message.Value.Type == 'E')
            {
                errors.Add(message.Value.Body);
            }
            if (message.Value.Type == 'Z')
            {
                return errors;
            }
        }
    }

    // The types of the messages up to ReadyForQuery, and each DataRow's columns joined by '|'.
    private static async Task<string> ReadTypesUntilReadyAsync(RawWireClient raw, List<string> rows)
    {
        var types = new List<string>();
        while (true)
        {
            var message = await raw.ReadMessageAsync();
            Assert.True(message is not null, "the connection ended before ReadyForQuery");
            var (type, body) = message.Value;
            Assert.True(type != 'E', $"unexpected error: {RawWireClient.Describe(body)}");
            types.Add(type.ToString());
            if (type == 'D')
            {
                rows.Add(DataRow(body));
            }
            if (type == 'Z')
            {
                return string.Join(' ', types);
            }
        }
    }

    // Sends the messages; expects an ErrorResponse before ReadyForQuery and returns it.
    private static async Task<byte[]> RunForErrorAsync(RawWireClient raw, params byte[][] messages)
    {
        await raw.SendAsync([.. messages.SelectMany(m => m)]);
        byte[]? error = null;
        while (true)
        {
            var message = await raw.ReadMessageAsync();
            Assert.True(message is not null, "the connection ended before ReadyForQuery");
            var (type, body) = message.Value;
            if (type == 'E')
            {
                error ??= body;
            }
            if (type == 'Z')
            {
                Assert.True(error is not null, "no ErrorResponse before ReadyForQuery");
                return error;
            }
        }
    }

    private static async Task<(string Types, List<string> Rows)> RunQueryAsync(RawWireClient raw, string sql)
    {
        var rows = new List<string>();
        await raw.SendAsync(RawWireClient.Query(sql));
        var types = await ReadTypesUntilReadyAsync(raw, rows);
        return (types, rows);
    }

    private static string DataRow(byte[] body)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        var position = 2;
        var columns = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(position));
            position += 4;
            columns.Add(length < 0 ? "NULL" : Encoding.UTF8.GetString(body, position, length));
            position += Math.Max(length, 0);
        }
        return string.Join('|', columns);
    }

    private static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return (T?)await command.ExecuteScalarAsync();
    }

    private string[] Target(string database) =>
        ["-h", Running!.LocalEndPoint.Address.ToString(), "-p", Running.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture), "-U", User, database];

    private Task<CommandResult> RunClientAsync(string program, IReadOnlyList<string> arguments) =>
        PoolerHarness.RunClientAsync(Cluster, program, arguments);
}
