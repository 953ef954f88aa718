using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// Conversations that are legal but unusual, on a pool of one server shared by several clients:
/// each client must get exactly its own answers, as from PostgreSQL itself, and nothing it sent may
/// be dropped or run against another client's state.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerDataPathTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private const string User = PoolerHarness.User;
    private const string Database = PoolerHarness.Database;
    // pg_catalog.pg_sleep(float8)
    private const int PgSleepOid = 2626;

    private Pooler Start(string mode, int poolSize = 1, string waitTimeout = "20") =>
        Running = PoolerHarness.Start(Cluster, mode, poolSize, extra: [new("pgbouncer_auth_type", "trust"), new("pgbouncer_reserve_pool_size", "0")], waitTimeout: waitTimeout);

    [Fact]
    public async Task QueryTimeout_ClientStopsReadingALargeResult_SessionEndsAndItsServerServesTheNext()
    {
        // query_timeout came while pgway's write to the client waited for room: its error waited for
        // room on the same socket, which threw, so the session never ended and its server (the pool's
        // only one) was neither closed nor given back; the next client waited for a server in vain.
        Running = PoolerHarness.Start(Cluster, "transaction", 1,
            extra: [new("pgbouncer_auth_type", "trust"), new("pgbouncer_reserve_pool_size", "0"), new("pgbouncer_query_timeout", "1")], waitTimeout: "20");
        using var stalled = await LogInAsync();
        await stalled.SendAsync(WireClient.Query("SELECT repeat('x', 1000000) FROM generate_series(1, 500)"));

        // (A client queued meanwhile would meet query_timeout itself: the next one comes once the first is gone.)
        await Eventually.HoldsAsync(async () => (await Running.ClientsAsync()).Count == 0, Bound);
        using var next = await LogInAsync();
        await next.SendAsync(WireClient.Query("SELECT 'next'"));
        var answer = await next.ReadUntilReadyAsync();

        Assert.Equal(["next"], answer.Rows);
        Assert.Empty(answer.Errors);
    }

    private Task<WireClient> LogInAsync(params (string Name, string Value)[] parameters) =>
        WireClient.LogInAsync(Running!.LocalEndPoint, User, Database, Bound, parameters);

    private async Task<string> CreateTableAsync()
    {
        var name = $"datapath_{Guid.NewGuid():N}";
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"CREATE TABLE {name} (id int)", user: User, database: Database);
        return name;
    }

    // An idle server's backend ends; once it is gone, pgway sees its end before lending it again.
    private async Task TerminateAsync(string pid)
    {
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"SELECT pg_terminate_backend({pid})");
        await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<bool>(Cluster.Primary,
            $"SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = {pid})"), Bound);
    }

    private Task<long> CountAsync(string table) =>
        Cluster.ExecuteScalarAsync<long>(Cluster.Primary, $"SELECT count(*) FROM {table}", User, Database);

    [Theory]
    [InlineData("false")]
    [InlineData("0")]
    [InlineData("OFF")]
    [InlineData("no")]
    public async Task Startup_ReplicationFalse_ANormalSessionAsOnPostgreSql(string value)
    {
        Start("transaction");
        using var client = await LogInAsync(("replication", value));
        await client.SendAsync(WireClient.Query("SELECT 1"));
        Assert.Equal('I', (await client.ReadUntilReadyAsync()).Status);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("database")]
    public async Task Startup_ReplicationAsked_RefusedSayingWhy(string value)
    {
        Start("transaction");
        using var raw = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);
        await raw.SendAsync(RawWireClient.StartupMessage(("user", User), ("database", Database), ("replication", value)));
        var (type, body) = (await raw.ReadMessageAsync())!.Value;
        Assert.Equal('E', type);
        Assert.Equal("0A000", RawWireClient.Field(body, 'C'));
        Assert.Contains("replication connections are not supported", RawWireClient.Field(body, 'M'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FunctionCallThenQuery_InOneWrite_EachClientGetsItsOwnRows()
    {
        Start("transaction");
        using var a = await LogInAsync();
        using var b = await LogInAsync();

        await a.SendAsync(WireClient.FunctionCall(PgSleepOid, "0"), WireClient.Query("SELECT pg_sleep(0.5), 'A'"));
        var call = await a.ReadUntilReadyAsync();
        Assert.Equal("V Z", string.Join(' ', call.Types));
        // B asks while A's query still runs on the only server: it must wait for it, not share it.
        await b.SendAsync(WireClient.Query("SELECT 'B'"));

        Assert.Equal(["|A"], (await a.ReadUntilReadyAsync()).Rows);
        Assert.Equal(["B"], (await b.ReadUntilReadyAsync()).Rows);
        for (var i = 0; i < 3; i++)
        {
            await b.SendAsync(WireClient.Query($"SELECT 'B{i}'"));
            Assert.Equal([$"B{i}"], (await b.ReadUntilReadyAsync()).Rows);
        }
    }

    [Fact]
    public async Task LoneFunctionCall_Answered_TheServerGoesBackToThePool()
    {
        Start("transaction", waitTimeout: "5");
        using var a = await LogInAsync();
        using var b = await LogInAsync();

        await a.SendAsync(WireClient.FunctionCall(PgSleepOid, "0"));
        Assert.Equal("V Z", string.Join(' ', (await a.ReadUntilReadyAsync()).Types));
        await b.SendAsync(WireClient.Query("SELECT 'B'"));
        Assert.Equal(["B"], (await b.ReadUntilReadyAsync()).Rows);
    }

    [Fact]
    public async Task LoneFlush_BindsNoServer()
    {
        Start("transaction", waitTimeout: "5");
        using var a = await LogInAsync();
        using var b = await LogInAsync();

        await a.SendAsync(WireClient.Query("SELECT 'A'"));
        Assert.Equal(["A"], (await a.ReadUntilReadyAsync()).Rows);
        await a.SendAsync(WireClient.Flush());
        await b.SendAsync(WireClient.Query("SELECT 'B'"));
        Assert.Equal(["B"], (await b.ReadUntilReadyAsync()).Rows);
        await a.SendAsync(WireClient.Query("SELECT 'A2'"));
        Assert.Equal(["A2"], (await a.ReadUntilReadyAsync()).Rows);
    }

    [Theory]
    [InlineData("transaction")]
    [InlineData("session")]
    [InlineData("statement")]
    public async Task InsertThenTerminate_InOneWrite_TheInsertCommits(string mode)
    {
        Start(mode);
        var table = await CreateTableAsync();
        using (var a = await LogInAsync())
        {
            await a.SendAsync(WireClient.Query($"INSERT INTO {table} VALUES (1)"), WireClient.Terminate());
        }
        await Eventually.HoldsAsync(async () => await CountAsync(table) == 1, TimeSpan.FromSeconds(30));
        // The server is whole again for the next client.
        using var b = await LogInAsync();
        await b.SendAsync(WireClient.Query("SELECT 'B'"));
        Assert.Equal(["B"], (await b.ReadUntilReadyAsync()).Rows);
    }

    [Fact]
    public async Task UnnamedStatement_BoundInALaterTransaction_RunsTheClientsOwnQuery()
    {
        Start("transaction");
        using var a = await LogInAsync();
        using var b = await LogInAsync();

        await a.SendAsync(WireClient.Parse("", "SELECT 'A'"), WireClient.Sync());
        Assert.Empty((await a.ReadUntilReadyAsync()).Errors);
        await b.SendAsync(WireClient.Parse("", "SELECT 'B'"), WireClient.Sync());
        Assert.Empty((await b.ReadUntilReadyAsync()).Errors);

        await a.SendAsync(WireClient.Bind(""), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["A"], (await a.ReadUntilReadyAsync()).Rows);
        await b.SendAsync(WireClient.Bind(""), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["B"], (await b.ReadUntilReadyAsync()).Rows);

        // A simple query drops the unnamed statement: its Bind then fails as on PostgreSQL.
        await a.SendAsync(WireClient.Query("SELECT 1"));
        await a.ReadUntilReadyAsync();
        await a.SendAsync(WireClient.Bind(""), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["26000"], (await a.ReadUntilReadyAsync()).Errors);
    }

    [Fact]
    public async Task CopyFromStdin_ThenCopyDoneAndSyncInOneWrite_BothAnsweredAndTheNextClientIsInStep()
    {
        Start("transaction");
        var table = await CreateTableAsync();
        using var a = await LogInAsync();
        using var b = await LogInAsync();

        await a.SendAsync(WireClient.Query($"COPY {table} FROM STDIN"));
        var copyIn = await a.ReadMessageAsync();
        Assert.Equal('G', copyIn!.Value.Type);
        await a.SendAsync(WireClient.CopyData("1\n2\n"), WireClient.CopyDone(), WireClient.Sync());
        var copied = await a.ReadUntilReadyAsync();
        Assert.Equal("C Z", string.Join(' ', copied.Types));
        // PostgreSQL answers the Sync after the COPY with a ReadyForQuery of its own.
        Assert.Equal("Z", string.Join(' ', (await a.ReadUntilReadyAsync()).Types));

        await b.SendAsync(WireClient.Query("SELECT 'B'"));
        Assert.Equal("T D C Z", string.Join(' ', (await b.ReadUntilReadyAsync()).Types));
        await a.SendAsync(WireClient.Query($"SELECT count(*) FROM {table}"));
        Assert.Equal(["2"], (await a.ReadUntilReadyAsync()).Rows);
    }

    [Fact]
    public async Task CloseSkippedAfterAnError_TheStatementStays()
    {
        Start("transaction");
        using var a = await LogInAsync();
        await a.SendAsync(WireClient.Parse("s", "SELECT 1"), WireClient.Sync());
        await a.ReadUntilReadyAsync();

        await a.SendAsync(WireClient.Parse("bad", "SELEKT 1"), WireClient.Close("s"), WireClient.Sync());
        Assert.Equal(["42601"], (await a.ReadUntilReadyAsync()).Errors);

        await a.SendAsync(WireClient.Bind("s"), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["1"], (await a.ReadUntilReadyAsync()).Rows);
    }

    [Fact]
    public async Task DefaultTransactionReadOnly_SetByOneClient_NeverReachesAnother()
    {
        Start("transaction");
        var table = await CreateTableAsync();
        using var a = await LogInAsync();
        using var b = await LogInAsync();

        await a.SendAsync(WireClient.Query("SET default_transaction_read_only = on"));
        Assert.Empty((await a.ReadUntilReadyAsync()).Errors);
        await b.SendAsync(WireClient.Query($"INSERT INTO {table} VALUES (1)"));
        Assert.Empty((await b.ReadUntilReadyAsync()).Errors);
        // A keeps its own setting on whichever server it gets.
        await a.SendAsync(WireClient.Query($"INSERT INTO {table} VALUES (2)"));
        Assert.Equal(["25006"], (await a.ReadUntilReadyAsync()).Errors);
    }

    [Fact]
    public async Task PreparedStatementOfOneText_UnderDifferentTimeZones_EachClientGetsItsOwnInstant()
    {
        Start("transaction");
        const string sql = "SELECT extract(epoch FROM '2024-01-01 00:00'::timestamptz)::bigint::text";
        using var utc = await LogInAsync(("TimeZone", "UTC"));
        using var tokyo = await LogInAsync(("TimeZone", "Asia/Tokyo"));

        await utc.SendAsync(WireClient.Parse("s", sql), WireClient.Bind("s"), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["1704067200"], (await utc.ReadUntilReadyAsync()).Rows);
        await tokyo.SendAsync(WireClient.Parse("s", sql), WireClient.Bind("s"), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["1704034800"], (await tokyo.ReadUntilReadyAsync()).Rows);
    }

    [Fact]
    public async Task CancelOfOneClient_SentAsItsStatementEnds_NeverCancelsAnothersStatement()
    {
        Start("transaction");
        using var a = await LogInAsync();
        using var b = await LogInAsync();
        var cancelled = 0;
        var bStatements = 0;
        // B keeps the only server busy in turns with A; A cancels its own short statement each time.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var bLoop = Task.Run(async () =>
        {
            while (DateTime.UtcNow < deadline)
            {
                await b.SendAsync(WireClient.Query("SELECT pg_sleep(0.02)"));
                var answer = await b.ReadUntilReadyAsync();
                bStatements++;
                cancelled += answer.Errors.Count(e => e == "57014");
            }
        });
        for (var i = 0; i < 150 && DateTime.UtcNow < deadline; i++)
        {
            await a.SendAsync(WireClient.Query("SELECT 1"));
            var cancel = a.CancelAsync(Running!.LocalEndPoint);
            await a.ReadUntilReadyAsync();
            await cancel;
        }
        await bLoop.WaitAsync(Bound);
        Assert.True(bStatements > 10, $"B ran only {bStatements} statements");
        Assert.Equal(0, cancelled);
    }

    [Fact]
    public async Task ServerTerminated_InSessionMode_TheClientGetsPostgresFatalOnly()
    {
        Start("session");
        using var a = await LogInAsync();
        await a.SendAsync(WireClient.Query("SELECT pg_backend_pid()"));
        var pid = (await a.ReadUntilReadyAsync()).Rows.Single();

        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"SELECT pg_terminate_backend({pid})");

        var errors = new List<string>();
        while (await a.ReadMessageAsync() is { } message)
        {
            Assert.Equal('E', message.Type);
            errors.Add(RawWireClient.Field(message.Body, 'C')!);
        }
        Assert.Equal(["57P01"], errors);
    }

    [Theory]
    [InlineData("ALTER TABLE {0} RENAME a TO x; ALTER TABLE {0} RENAME b TO a; ALTER TABLE {0} RENAME x TO b")]
    [InlineData("ALTER TABLE {0} ADD COLUMN c int")]
    public async Task ResultTypeChanged_StatementPreparedAgainOnANewServer_0A000AsFromPostgres(string ddl)
    {
        Start("transaction");
        var table = $"datapath_{Guid.NewGuid():N}";
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"CREATE TABLE {table} (a int, b int); INSERT INTO {table} VALUES (1, 2)", user: User, database: Database);
        using var a = await LogInAsync();
        await a.SendAsync(WireClient.Parse("s", $"SELECT * FROM {table}"), WireClient.DescribeStatement("s"), WireClient.Sync());
        Assert.Equal("1 t T Z", string.Join(' ', (await a.ReadUntilReadyAsync()).Types));
        await a.SendAsync(WireClient.Bind("s"), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["1|2"], (await a.ReadUntilReadyAsync()).Rows);

        // The only server goes away (a fresh one will have to prepare the statement again), and the table changes.
        await a.SendAsync(WireClient.Query("SELECT pg_backend_pid()"));
        var pid = (await a.ReadUntilReadyAsync()).Rows.Single();
        await TerminateAsync(pid);
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, string.Format(System.Globalization.CultureInfo.InvariantCulture, ddl, table), user: User, database: Database);

        await a.SendAsync(WireClient.Bind("s"), WireClient.Execute(), WireClient.Sync());
        var changed = await a.ReadUntilReadyAsync();
        Assert.Equal(["0A000"], changed.Errors);
        Assert.Empty(changed.Rows);
        // As on PostgreSQL, it stays so until the client prepares it again; then the new shape is its own.
        await a.SendAsync(WireClient.Bind("s"), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["0A000"], (await a.ReadUntilReadyAsync()).Errors);
        await a.SendAsync(WireClient.Close("s"), WireClient.Parse("s", $"SELECT * FROM {table}"), WireClient.DescribeStatement("s"), WireClient.Sync());
        Assert.Empty((await a.ReadUntilReadyAsync()).Errors);
        await a.SendAsync(WireClient.Bind("s"), WireClient.Execute(), WireClient.Sync());
        Assert.Single((await a.ReadUntilReadyAsync()).Rows);
    }

    [Fact]
    public async Task ResultTypeUnchanged_StatementPreparedAgainOnANewServer_RowsAsBefore()
    {
        Start("transaction");
        using var a = await LogInAsync();
        await a.SendAsync(WireClient.Parse("s", "SELECT 1 AS one"), WireClient.DescribeStatement("s"), WireClient.Sync());
        await a.ReadUntilReadyAsync();
        await a.SendAsync(WireClient.Query("SELECT pg_backend_pid()"));
        var pid = (await a.ReadUntilReadyAsync()).Rows.Single();
        await TerminateAsync(pid);

        for (var i = 0; i < 3; i++)
        {
            await a.SendAsync(WireClient.Bind("s"), WireClient.Execute(), WireClient.Sync());
            Assert.Equal("2 D C Z", string.Join(' ', (await a.ReadUntilReadyAsync()).Types));
        }
        await a.SendAsync(WireClient.DescribeStatement("s"), WireClient.Sync());
        Assert.Equal("t T Z", string.Join(' ', (await a.ReadUntilReadyAsync()).Types));
    }

    [Theory]
    [InlineData("transaction")]
    [InlineData("session")]
    public async Task Greeting_StartupValues_InTheServersForm(string mode)
    {
        Start(mode, poolSize: 3);
        using var first = await LogInAsync(("DateStyle", "German"), ("client_encoding", "utf8"));
        Assert.Equal("German, DMY", first.Greeting["DateStyle"]);
        Assert.Equal("UTF8", first.Greeting["client_encoding"]);
        // Learned once: the next client is greeted the same without asking a server.
        using var second = await LogInAsync(("DateStyle", "German"));
        Assert.Equal("German, DMY", second.Greeting["DateStyle"]);
        await second.SendAsync(WireClient.Query("SELECT '2024-03-01'::date::text"));
        Assert.Equal(["01.03.2024"], (await second.ReadUntilReadyAsync()).Rows);
        // A value not seen before: greeted as given (a log-in waits for no server), the server's form
        // told with the first answer.
        using var third = await LogInAsync(("client_encoding", "unicode"));
        await third.SendAsync(WireClient.Query("SELECT 1"));
        var answer = await third.ReadUntilReadyAsync();
        Assert.Equal("client_encoding=UTF8", answer.Statuses.FirstOrDefault());
    }

    [Theory]
    [InlineData("transaction")]
    [InlineData("session")]
    public async Task Reset_ReturnsToTheClientsStartupValues_AsOnPostgres(string mode)
    {
        Start(mode, poolSize: 2);
        using var a = await LogInAsync(("DateStyle", "Postgres, MDY"), ("TimeZone", "Asia/Tokyo"), ("options", "-c work_mem=8MB"));

        async Task<string> ShowAsync(string name)
        {
            await a.SendAsync(WireClient.Query($"SHOW {name}"));
            return (await a.ReadUntilReadyAsync()).Rows.Single();
        }

        await a.SendAsync(WireClient.Query("SET datestyle = 'ISO, DMY'"));
        await a.ReadUntilReadyAsync();
        await a.SendAsync(WireClient.Query("RESET datestyle"));
        var reset = await a.ReadUntilReadyAsync();
        Assert.Empty(reset.Errors);
        // Told once, the start-up value, as PostgreSQL tells it (never the server's log-in value first).
        Assert.Equal(["DateStyle=Postgres, MDY"], reset.Statuses);
        Assert.Equal("Postgres, MDY", await ShowAsync("datestyle"));
        // Nothing changed: nothing told.
        await a.SendAsync(WireClient.Query("RESET ALL"));
        Assert.Empty((await a.ReadUntilReadyAsync()).Statuses);

        // RESET of one setting leaves the others as the client set them.
        await a.SendAsync(WireClient.Query("SET datestyle = 'German'"));
        await a.ReadUntilReadyAsync();
        await a.SendAsync(WireClient.Query("SET timezone = 'UTC'"));
        await a.ReadUntilReadyAsync();
        await a.SendAsync(WireClient.Query("RESET timezone"));
        await a.ReadUntilReadyAsync();
        Assert.Equal("Asia/Tokyo", await ShowAsync("timezone"));
        Assert.Equal("German, DMY", await ShowAsync("datestyle"));

        await a.SendAsync(WireClient.Query("SET work_mem = '16MB'"));
        await a.ReadUntilReadyAsync();
        await a.SendAsync(WireClient.Query("RESET ALL"));
        await a.ReadUntilReadyAsync();
        Assert.Equal("Postgres, MDY", await ShowAsync("datestyle"));
        Assert.Equal("8MB", await ShowAsync("work_mem"));

        await a.SendAsync(WireClient.Query("SET datestyle = 'SQL'"));
        await a.ReadUntilReadyAsync();
        await a.SendAsync(WireClient.Query("DISCARD ALL"));
        await a.ReadUntilReadyAsync();
        Assert.Equal("Postgres, MDY", await ShowAsync("datestyle"));
        Assert.Equal("Asia/Tokyo", await ShowAsync("timezone"));
    }

    [Theory]
    [InlineData("transaction")]
    [InlineData("session")]
    public async Task ResetAll_CutBetweenWrites_StillPutsTheStartUpValuesBack(string mode)
    {
        // Found by the differential tester: "RESET ALL" arriving as "…R" + "ESET " + "ALL" was not read
        // as a RESET, so search_path (which the server never reports) stayed as the server logged in.
        Start(mode, poolSize: 2);
        using var a = await LogInAsync(("search_path", "information_schema"));
        var reset = WireClient.Query("RESET ALL");
        var query = WireClient.Query("SELECT count(*) > 0 FROM sql_features");
        foreach (var (from, to) in new[] { (0, 6), (6, 11), (11, reset.Length) })
        {
            await a.SendAsync(reset[from..to]);
            // Paced so the pooler reads each piece on its own (nothing to wait for: the pooler answers none).
            await Task.Delay(50);
        }
        await a.SendAsync(query);
        Assert.Empty((await a.ReadUntilReadyAsync()).Errors);
        var answer = await a.ReadUntilReadyAsync();
        Assert.Empty(answer.Errors);
        Assert.Equal(["t"], answer.Rows);
    }

    [Theory]
    [InlineData("transaction")]
    [InlineData("session")]
    public async Task DiscardAll_InOneWriteWithTheNextQuery_TheNextQuerySeesTheStartUpValues(string mode)
    {
        // Found by the differential tester: the next query ran before pgway put the start-up values
        // back, and the client was told the server's log-in value.
        Start(mode, poolSize: 1);
        using var a = await LogInAsync(("application_name", "diff"));
        await a.SendAsync(WireClient.Query("SET application_name = 'other'"));
        await a.ReadUntilReadyAsync();

        await a.SendAsync(WireClient.Query("DISCARD ALL"), WireClient.Query("SHOW application_name"));
        var discard = await a.ReadUntilReadyAsync();
        var show = await a.ReadUntilReadyAsync();

        // As from PostgreSQL: told once, the start-up value, and the next query runs with it.
        Assert.Empty(discard.Errors);
        Assert.Equal(["application_name=diff"], discard.Statuses);
        Assert.Equal(["diff"], show.Rows);
        Assert.Empty(show.Statuses);
    }

    [Fact]
    public async Task ParseAndCloseSkippedAfterAnError_TheStatementDoesNotExist_AsOnPostgres()
    {
        // Found by the differential tester: the skipped Close gave back a name whose Parse was skipped too.
        Start("transaction");
        using var a = await LogInAsync();
        await a.SendAsync(WireClient.Parse("", "SELECT * FROM no_such_table"), WireClient.Parse("s1", "SELECT 1"), WireClient.Close("s1"), WireClient.Sync());
        Assert.Equal(["42P01"], (await a.ReadUntilReadyAsync()).Errors);

        await a.SendAsync(WireClient.Bind("s1"), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["26000"], (await a.ReadUntilReadyAsync()).Errors);
        // And the name is free to prepare.
        await a.SendAsync(WireClient.Parse("s1", "SELECT 2"), WireClient.Bind("s1"), WireClient.Execute(), WireClient.Sync());
        var answer = await a.ReadUntilReadyAsync();
        Assert.Empty(answer.Errors);
        Assert.Equal(["2"], answer.Rows);
    }

    [Fact]
    public async Task SameTextParsedInTwoPipelinedBatches_FirstSkipped_SecondAnsweredAsPostgresDoes()
    {
        // Found by the differential tester: the second Parse was answered by pgway on the strength of
        // the first, which the server then skipped after an error.
        Start("transaction");
        using var a = await LogInAsync();
        await a.SendAsync(WireClient.Query("BEGIN"));
        await a.ReadUntilReadyAsync();
        const string Text = "SELECT 41 + 1 AS n";
        await a.SendAsync(WireClient.Bind(""), WireClient.Parse("s1", Text), WireClient.Sync(), WireClient.Parse("s3", Text), WireClient.Sync());
        Assert.Equal(["26000"], (await a.ReadUntilReadyAsync()).Errors);
        var second = await a.ReadUntilReadyAsync();
        Assert.Equal(["25P02"], second.Errors);
        Assert.Equal('E', second.Status);
        await a.SendAsync(WireClient.Query("ROLLBACK"));
        await a.ReadUntilReadyAsync();

        // Outside a block the second Parse prepares it after all.
        await a.SendAsync(WireClient.Bind(""), WireClient.Parse("s4", Text), WireClient.Sync(), WireClient.Parse("s5", Text), WireClient.Sync(),
            WireClient.Bind("s5"), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["26000"], (await a.ReadUntilReadyAsync()).Errors);
        Assert.Empty((await a.ReadUntilReadyAsync()).Errors);
        var rows = await a.ReadUntilReadyAsync();
        Assert.Empty(rows.Errors);
        Assert.Equal(["42"], rows.Rows);
    }

    [Fact]
    public async Task ParseInAFailedTransactionBlock_OfAStatementTheServerHas_25P02AsFromPostgres()
    {
        Start("transaction");
        using var a = await LogInAsync();
        await a.SendAsync(WireClient.Parse("s1", "SELECT 1"), WireClient.Sync());
        Assert.Empty((await a.ReadUntilReadyAsync()).Errors);
        await a.SendAsync(WireClient.Query("BEGIN"));
        await a.ReadUntilReadyAsync();
        await a.SendAsync(WireClient.Query("SELECT 1/0"));
        Assert.Equal('E', (await a.ReadUntilReadyAsync()).Status);

        await a.SendAsync(WireClient.Parse("s2", "SELECT 1"), WireClient.Sync());
        var refused = await a.ReadUntilReadyAsync();
        Assert.Equal(["25P02"], refused.Errors);
        await a.SendAsync(WireClient.Query("ROLLBACK"));
        Assert.Equal('I', (await a.ReadUntilReadyAsync()).Status);
        await a.SendAsync(WireClient.Bind("s1"), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["1"], (await a.ReadUntilReadyAsync()).Rows);
    }

    [Fact]
    public async Task UnnamedParseFailing_ThenAnotherInTheSameWrite_TheLaterStands()
    {
        Start("transaction");
        using var a = await LogInAsync();
        await a.SendAsync(
            WireClient.Parse("", "SELECT * FROM no_such_table"), WireClient.Bind(""), WireClient.Execute(), WireClient.Sync(),
            WireClient.Parse("", "SELECT 2"), WireClient.Bind(""), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["42P01"], (await a.ReadUntilReadyAsync()).Errors);
        Assert.Equal(["2"], (await a.ReadUntilReadyAsync()).Rows);

        await a.SendAsync(WireClient.Bind(""), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["2"], (await a.ReadUntilReadyAsync()).Rows);
    }

    [Fact]
    public async Task CloseThenBindInOneBatch_TheStatementIsGone()
    {
        Start("transaction");
        using var a = await LogInAsync();
        await a.SendAsync(WireClient.Parse("s1", "SELECT 7"), WireClient.Sync());
        await a.ReadUntilReadyAsync();
        await a.SendAsync(WireClient.Close("s1"), WireClient.Bind("s1"), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["26000"], (await a.ReadUntilReadyAsync()).Errors);
    }

    [Fact]
    public async Task CloseSkippedByAnErrorBeforeIt_ABindAfterTheSyncInTheSameWrite_Runs()
    {
        Start("transaction");
        using var a = await LogInAsync();
        await a.SendAsync(WireClient.Parse("s1", "SELECT 7"), WireClient.Sync());
        await a.ReadUntilReadyAsync();
        await a.SendAsync(WireClient.Parse("bad", "SELEKT"), WireClient.Close("s1"), WireClient.Sync(),
            WireClient.Bind("s1"), WireClient.Execute(), WireClient.Sync());
        Assert.Equal(["42601"], (await a.ReadUntilReadyAsync()).Errors);
        Assert.Equal(["7"], (await a.ReadUntilReadyAsync()).Rows);
    }
}
