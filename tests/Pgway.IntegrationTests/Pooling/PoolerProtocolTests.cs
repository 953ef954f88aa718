using Npgsql;
using NpgsqlTypes;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// The pooler forwarding the parts of the protocol a plain query does not use — COPY, notices and
/// notifications, messages of megabytes, pipelined batches — to real clients (Npgsql, psql,
/// pgbench), and holding up when a server dies under a client or a client sends nonsense.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed partial class PoolerProtocolTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private const string User = PoolerHarness.User;
    private const string Database = PoolerHarness.Database;

    // Enough rows that COPY spans many socket buffers in both directions (about 3 MB).
    private const int CopyRows = 50_000;

    private readonly List<Func<Task>> cleanups = [];
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        // Every cleanup runs, even after one fails.
        var failures = new List<Exception>();
        foreach (var cleanup in Enumerable.Reverse(cleanups))
        {
            try
            {
                await cleanup();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        if (failures.Count > 0)
        {
            throw new AggregateException("cleaning up after the test failed", failures);
        }
    }

    private Pooler Start(string mode, int poolSize = 2, params KeyValuePair<string, string>[] extra) =>
        Running = PoolerHarness.Start(Cluster, mode, poolSize, extra: extra);

    private NpgsqlConnection Connect() => PoolerHarness.Connect(Running!, Cluster);

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = Connect();
        await connection.OpenAsync();
        return connection;
    }

    // A table of the test database, owned by the test user, dropped when the test ends.
    private async Task<string> CreateTableAsync(string columns)
    {
        var name = $"pooler_{Guid.NewGuid():N}";
        cleanups.Add(() => Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"DROP TABLE IF EXISTS {name}", database: Database));
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"CREATE TABLE {name} ({columns})", user: User, database: Database);
        return name;
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

    // A server goes back to the pool once its client's transaction is over, so with the client still
    // connected every server is idle again.
    private Task EveryServerIdleAsync(string database = Database) => Eventually.HoldsAsync(() =>
    {
        var (total, idle) = Running!.ServerCounts(database, User);
        return total > 0 && total == idle;
    }, Bound, () => $"servers (total, idle): {Running!.ServerCounts(database, User)}");

    private static string CopyLabel(int id) => $"row {id} {new string((char)('a' + id % 26), id % 97)}";

    // The same label, computed by PostgreSQL.
    private const string CopyLabelSql = "'row ' || id || ' ' || repeat(chr(97 + id % 26), id % 97)";

    [Fact]
    public async Task Copy_FromStdinAndToStdoutOf50000Rows_DataIntactBothWaysAndThePoolServesOthers()
    {
        Start("transaction", poolSize: 1);
        var table = await CreateTableAsync("id int PRIMARY KEY, label text NOT NULL");
        await using var copier = await OpenAsync();

        await ImportAsync(copier, table);
        Assert.Equal(CopyRows, await ExportAsync(copier, table));
        Assert.Equal(0L, await ScalarAsync<long>(copier, $"SELECT count(*) FROM {table} WHERE label IS DISTINCT FROM {CopyLabelSql}"));

        // The copier stays connected and idle; the only server serves another client, COPY TO STDOUT included.
        await using var other = await OpenAsync();
        Assert.Equal(CopyRows, await ScalarAsync<long>(other, $"SELECT count(*) FROM {table}"));
        Assert.Equal(CopyRows, await ExportAsync(other, table));
        await EveryServerIdleAsync();
        Assert.Equal(2, await ScalarAsync<int>(copier, "SELECT 2"));
        Assert.Equal(1, Running!.ServerCounts(Database, User).Total);
    }

    [Fact]
    public async Task Copy_FromStdinFinished_ServerBackInThePoolWhileTheClientIdles()
    {
        Start("transaction", poolSize: 1);
        var table = await CreateTableAsync("id int PRIMARY KEY, label text NOT NULL");
        await using var copier = await OpenAsync();

        await ImportAsync(copier, table);

        await EveryServerIdleAsync();
        await using var other = await OpenAsync();
        Assert.Equal(CopyRows, await ScalarAsync<long>(other, $"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public async Task Copy_ImportAbandonedByTheClient_NothingStoredAndTheServerBackInThePool()
    {
        Start("transaction", poolSize: 1);
        var table = await CreateTableAsync("id int");
        await using var copier = await OpenAsync();

        // Disposing an importer that was not completed sends CopyFail.
        await using (var import = await copier.BeginBinaryImportAsync($"COPY {table} (id) FROM STDIN (FORMAT BINARY)"))
        {
            for (var id = 0; id < CopyRows; id++)
            {
                await import.WriteRowAsync(default, id);
            }
        }

        await EveryServerIdleAsync();
        await using var other = await OpenAsync();
        Assert.Equal(0L, await ScalarAsync<long>(other, $"SELECT count(*) FROM {table}"));
        Assert.Equal(3, await ScalarAsync<int>(copier, "SELECT 3"));
    }

    private static async Task ImportAsync(NpgsqlConnection connection, string table)
    {
        await using var import = await connection.BeginBinaryImportAsync($"COPY {table} (id, label) FROM STDIN (FORMAT BINARY)");
        for (var id = 0; id < CopyRows; id++)
        {
            await import.StartRowAsync();
            await import.WriteAsync(id, NpgsqlDbType.Integer);
            await import.WriteAsync(CopyLabel(id), NpgsqlDbType.Text);
        }
        Assert.Equal((ulong)CopyRows, await import.CompleteAsync());
    }

    // The rows in id order, each checked; returns how many came.
    private static async Task<int> ExportAsync(NpgsqlConnection connection, string table)
    {
        var exported = 0;
        using var export = await connection.BeginTextExportAsync($"COPY (SELECT id, label FROM {table} ORDER BY id) TO STDOUT");
        while (await export.ReadLineAsync() is { } line)
        {
            Assert.Equal($"{exported}\t{CopyLabel(exported)}", line);
            exported++;
        }
        return exported;
    }

    [Fact]
    public async Task Notice_RaisedInDoBlock_EveryNoticeReachesThatClientOnly()
    {
        Start("transaction", poolSize: 1);
        var noticed = new List<string>();
        var othersNoticed = new List<string>();
        await using var connection = Connect();
        await using var other = Connect();
        connection.Notice += (_, e) =>
        {
            lock (noticed)
            {
                noticed.Add($"{e.Notice.Severity}: {e.Notice.MessageText}");
            }
        };
        other.Notice += (_, e) =>
        {
            lock (othersNoticed)
            {
                othersNoticed.Add(e.Notice.MessageText);
            }
        };
        await connection.OpenAsync();
        await other.OpenAsync();

        // Thousands of notices before the ReadyForQuery: many socket buffers of them.
        await using (var raise = new NpgsqlCommand("DO $$ BEGIN FOR i IN 1..3000 LOOP RAISE NOTICE 'notice % of the pooler test', i; END LOOP; END $$", connection))
        {
            await raise.ExecuteNonQueryAsync();
        }
        Assert.Equal(5, await ScalarAsync<int>(other, "SELECT 5"));

        lock (noticed)
        {
            Assert.Equal(Enumerable.Range(1, 3000).Select(i => $"NOTICE: notice {i} of the pooler test"), noticed);
        }
        lock (othersNoticed)
        {
            Assert.Empty(othersNoticed);
        }
    }

    [Fact]
    public async Task Notify_SessionMode_ListenerReceivesWhatAnotherClientNotifies()
    {
        Start("session", poolSize: 2);
        var channel = $"pooler_{Guid.NewGuid():N}";
        await using var listener = await OpenAsync();
        await using var notifier = await OpenAsync();
        NpgsqlNotificationEventArgs? received = null;
        listener.Notification += (_, e) => received = e;
        await using (var listen = new NpgsqlCommand($"LISTEN {channel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }
        var notifierPid = await ScalarAsync<int>(notifier, "SELECT pg_backend_pid()");

        await ScalarAsync<object>(notifier, "SELECT pg_notify($1, $2)", channel, "payload through pgway");

        Assert.True(await listener.WaitAsync(Bound), "no notification within the bound");
        Assert.NotNull(received);
        Assert.Equal(channel, received.Channel);
        Assert.Equal("payload through pgway", received.Payload);
        Assert.Equal(notifierPid, received.PID);
    }

    [Fact]
    public async Task Listen_TransactionMode_TheServerListeningIsNeverLentToAnotherClient()
    {
        // A LISTEN stays on the server after the transaction: lent on, it handed its notifications to
        // whoever held it next (PostgreSQL delivers them at that client's ReadyForQuery).
        Start("transaction", poolSize: 1);
        var channel = $"pooler_{Guid.NewGuid():N}";
        await using var listener = await OpenAsync();
        await using var other = await OpenAsync();
        var othersReceived = new List<string>();
        other.Notification += (_, e) =>
        {
            lock (othersReceived)
            {
                othersReceived.Add(e.Payload);
            }
        };
        int listenerPid;
        await using (var transaction = await listener.BeginTransactionAsync())
        {
            await using var listen = new NpgsqlCommand($"LISTEN {channel}", listener, transaction);
            await listen.ExecuteNonQueryAsync();
            await using var pid = new NpgsqlCommand("SELECT pg_backend_pid()", listener, transaction);
            listenerPid = (int)(await pid.ExecuteScalarAsync())!;
            await transaction.CommitAsync();
        }

        await using (var notify = new NpgsqlCommand($"NOTIFY {channel}, 'for the listener only'", other))
        {
            await notify.ExecuteNonQueryAsync();
        }
        var otherPid = await ScalarAsync<int>(other, "SELECT pg_backend_pid()");

        Assert.NotEqual(listenerPid, otherPid);
        lock (othersReceived)
        {
            Assert.Empty(othersReceived);
        }
        // The pool of one serves on, with a server of its own.
        Assert.Equal(8, await ScalarAsync<int>(listener, "SELECT 8"));
    }

    [Fact]
    public async Task SessionAuthorization_TransactionMode_NotCarriedToTheNextClient()
    {
        Running = PoolerHarness.Start(Cluster,
            new Dictionary<string, string> { ["pgbouncer_poolmode"] = "transaction", ["pgbouncer_default_pool_size"] = "1", ["pgbouncer_query_wait_timeout"] = "10" },
            new Dictionary<string, string> { [PgTestUsers.Dba] = Cluster.Credentials.PasswordFor(PgTestUsers.Dba) });
        await using var changer = PoolerHarness.ConnectOnce(Running!, Cluster, PgTestUsers.Dba);
        await changer.OpenAsync();
        await using var other = PoolerHarness.ConnectOnce(Running!, Cluster, PgTestUsers.Dba);
        await other.OpenAsync();

        await using (var become = new NpgsqlCommand($"SET SESSION AUTHORIZATION {PgTestUsers.View}", changer))
        {
            await become.ExecuteNonQueryAsync();
        }

        Assert.Equal(PgTestUsers.Dba, await ScalarAsync<string>(other, "SELECT session_user::text"));
    }

    [Fact]
    public async Task Large_TwoMegabyteTextParameter_StoredAndSelectedBackIntact()
    {
        Start("transaction", poolSize: 1);
        var table = await CreateTableAsync("id int PRIMARY KEY, body text NOT NULL");
        var random = new Random(20_240_601);
        var body = string.Create(2 * 1024 * 1024 + 17, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)r.Next('0', 'z' + 1);
            }
        });
        await using var connection = await OpenAsync();

        await using (var insert = new NpgsqlCommand($"INSERT INTO {table} (id, body) VALUES (1, $1)", connection) { Parameters = { new() { Value = body } } })
        {
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }
        var back = await ScalarAsync<string>(connection, $"SELECT body FROM {table} WHERE id = $1", 1);

        AssertSameText(body, back);
        // And a statement after it: the streams are still in step.
        Assert.Equal(body.Length, await ScalarAsync<int>(connection, $"SELECT length(body) FROM {table}"));
    }

    [Fact]
    public async Task Large_ThreeMegabyteRowBuiltByTheServer_ArrivesWhole()
    {
        Start("transaction", poolSize: 1);
        await using var connection = await OpenAsync();

        var text = await ScalarAsync<string>(connection, "SELECT repeat('x', 3000000)");

        AssertSameText(new string('x', 3_000_000), text);
        Assert.Equal(6, await ScalarAsync<int>(connection, "SELECT 6"));
    }

    [Fact]
    public async Task Large_ThreeMegabyteByteaEchoedInATransaction_SameBytes()
    {
        Start("transaction", poolSize: 1);
        var bytes = new byte[3 * 1024 * 1024 + 5];
        new Random(7).NextBytes(bytes);
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        await using var echo = new NpgsqlCommand("SELECT $1::bytea", connection, transaction) { Parameters = { new() { Value = bytes } } };
        var back = (byte[]?)await echo.ExecuteScalarAsync();
        await transaction.CommitAsync();

        Assert.NotNull(back);
        Assert.True(bytes.AsSpan().SequenceEqual(back), $"{back.Length} bytes came back for {bytes.Length}, first difference at {bytes.AsSpan().CommonPrefixLength(back)}");
    }

    private static void AssertSameText(string expected, string? actual)
    {
        Assert.NotNull(actual);
        Assert.True(expected == actual,
            $"{actual.Length} characters came back for {expected.Length}, first difference at {expected.AsSpan().CommonPrefixLength(actual)}");
    }

    [Fact]
    public async Task Batch_ParallelClientsPipelining50Commands_EveryResultRight()
    {
        const int Clients = 6;
        const int Rounds = 8;
        const int Commands = 50;
        Start("transaction", poolSize: 2);

        var clients = Enumerable.Range(0, Clients).Select(async client =>
        {
            await using var connection = await OpenAsync();
            for (var round = 0; round < Rounds; round++)
            {
                await using var batch = new NpgsqlBatch(connection);
                for (var k = 0; k < Commands; k++)
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT $1::int AS client, $2::int AS k, g, repeat('b', $2 * 20) AS pad FROM generate_series(1, $3::int) AS g")
                    {
                        Parameters = { new() { Value = client }, new() { Value = (round * Commands) + k }, new() { Value = (k % 5) + 1 } },
                    });
                }
                await using var reader = await batch.ExecuteReaderAsync();
                for (var k = 0; k < Commands; k++)
                {
                    var tag = (round * Commands) + k;
                    for (var g = 1; g <= (k % 5) + 1; g++)
                    {
                        Assert.True(await reader.ReadAsync(), $"client {client} command {tag}: row {g} missing");
                        Assert.Equal((client, tag, g), (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2)));
                        Assert.Equal(tag * 20, reader.GetString(3).Length);
                    }
                    Assert.False(await reader.ReadAsync(), $"client {client} command {tag}: too many rows");
                    Assert.Equal(k < Commands - 1, await reader.NextResultAsync());
                }
            }
        });
        await Task.WhenAll(clients).WaitAsync(Bound);

        Assert.InRange(Running!.ServerCounts(Database, User).Total, 1, 2);
        await EveryServerIdleAsync();
    }

    [Fact]
    public async Task Batch_CommandFailsMidBatch_RestSkippedAndTheConnectionGoesOn()
    {
        Start("transaction", poolSize: 1);
        await using var connection = await OpenAsync();
        await using var batch = new NpgsqlBatch(connection);
        for (var k = 0; k < 50; k++)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(k == 25 ? "SELECT 1 / 0" : $"SELECT {k}"));
        }

        var e = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var reader = await batch.ExecuteReaderAsync();
            while (await reader.NextResultAsync())
            {
            }
        });

        Assert.Equal("22012", e.SqlState);
        Assert.Equal(7, await ScalarAsync<int>(connection, "SELECT 7"));
        await using var other = await OpenAsync();
        Assert.Equal(8, await ScalarAsync<int>(other, "SELECT 8"));
        await EveryServerIdleAsync();
    }
}
