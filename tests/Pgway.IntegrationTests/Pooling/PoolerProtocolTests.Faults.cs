using System.Buffers.Binary;
using System.Text;
using Npgsql;
using Pgway.IntegrationTests.Testing;

namespace Pgway.IntegrationTests.Pooling;

// A server killed under a client, and clients that send what the protocol forbids.
public sealed partial class PoolerProtocolTests
{
    [Fact]
    public async Task ServerKilled_InsideAClientsTransaction_ThatClientFailsOthersAndNewConnectionsWork()
    {
        Start("transaction", poolSize: 2);
        await using var victim = await OpenAsync();
        await using var bystander = await OpenAsync();
        await using var transaction = await victim.BeginTransactionAsync();
        var serverPid = await ScalarAsync<int>(victim, "SELECT pg_backend_pid()");
        Assert.Equal(1, await ScalarAsync<int>(bystander, "SELECT 1"));

        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"SELECT pg_terminate_backend({serverPid})");
        await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<bool>(Cluster.Primary,
            $"SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = {serverPid})"), Bound);

        var e = await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync<int>(victim, "SELECT 2").WaitAsync(Bound));
        if (e is PostgresException postgres)
        {
            // PostgreSQL's own word (57P01, administrator command) or pgway's (08006, server lost).
            Assert.Contains(postgres.SqlState, new[] { "57P01", "08006" });
        }
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(i, await ScalarAsync<int>(bystander, "SELECT $1::int", i));
        }
        await using (var inTransaction = await bystander.BeginTransactionAsync())
        {
            Assert.Equal(11, await ScalarAsync<int>(bystander, "SELECT 11"));
            await inTransaction.CommitAsync();
        }
        await using var again = await OpenAsync();
        Assert.NotEqual(serverPid, await ScalarAsync<int>(again, "SELECT pg_backend_pid()"));
        await Eventually.HoldsAsync(() => Running!.Clients == 2, Bound, () => $"clients: {Running!.Clients}");
        await EveryServerIdleAsync();
    }

    // Only a server that went away with its member (shut down, crashed, or without a word) makes pgway
    // close the other servers idle at that address; one PostgreSQL ended for its own session's sake
    // (idle_in_transaction_session_timeout, 25P03) says nothing about them.
    [Fact]
    public async Task ServerEndedByItsOwnIdleTimeout_TheOtherIdleServerIsStillLent()
    {
        Start("transaction", poolSize: 2);
        var pids = new List<int>();
        await using (var first = await OpenAsync())
        await using (var second = await OpenAsync())
        {
            // Two servers: each client holds one in a transaction at the same time.
            await using var one = await first.BeginTransactionAsync();
            await using var two = await second.BeginTransactionAsync();
            pids.Add(await ScalarAsync<int>(first, "SELECT pg_backend_pid()"));
            pids.Add(await ScalarAsync<int>(second, "SELECT pg_backend_pid()"));
            await one.CommitAsync();
            await two.CommitAsync();
        }
        await using var victim = await OpenAsync();
        await using (var transaction = await victim.BeginTransactionAsync())
        {
            var victimPid = await ScalarAsync<int>(victim, "SET LOCAL idle_in_transaction_session_timeout = '100ms'; SELECT pg_backend_pid()");
            Assert.Contains(victimPid, pids);
            pids.Remove(victimPid);
            // pgway has read the server's FATAL and dropped it.
            await Eventually.HoldsAsync(() => Running!.ServerCounts(Database, User).Total == 1, Bound,
                () => $"servers (total, idle): {Running!.ServerCounts(Database, User)}");
        }

        await using var next = await OpenAsync();
        Assert.Equal(pids.Single(), await ScalarAsync<int>(next, "SELECT pg_backend_pid()"));
    }

    [Theory]
    [InlineData(0x7FFF_FFFF)]
    [InlineData(unchecked((int)0x8000_0000))]
    [InlineData(4)]
    [InlineData(0)]
    public async Task Startup_AbsurdLength_08P01ThenClosedWhileOthersAreServed(int length)
    {
        Start("transaction");
        await using var bystander = await OpenAsync();
        using var raw = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);
        var startup = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(startup, length);
        BinaryPrimitives.WriteInt32BigEndian(startup.AsSpan(4), 3 << 16);

        await raw.SendAsync(startup);

        await ExpectProtocolViolationThenEndAsync(raw);
        await BystanderServedAsync(bystander);
    }

    [Theory]
    [InlineData(0x7FFF_FFFF)]
    [InlineData(3)]
    [InlineData(20_000)]
    public async Task Login_PasswordMessageWithBadLength_08P01ThenClosedWhileOthersAreServed(int length)
    {
        Start("transaction");
        await using var bystander = await OpenAsync();
        using var raw = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);
        await raw.SendAsync(RawWireClient.StartupMessage(("user", User), ("database", Database)));
        var request = await raw.ReadUntilAsync('R');
        Assert.Equal(10, BinaryPrimitives.ReadInt32BigEndian(request)); // AuthenticationSASL

        await raw.SendAsync(RawWireClient.Header('p', length));

        await ExpectProtocolViolationThenEndAsync(raw);
        await BystanderServedAsync(bystander);
    }

    [Theory]
    [InlineData(3, false)]
    [InlineData(0, false)]
    [InlineData(0x4000_0100, false)]
    [InlineData(2, true)]
    [InlineData(0x7FFF_FFFF, true)]
    public async Task LoggedIn_MessageWithBadLength_08P01ThenClosedWhileOthersAreServed(int length, bool inTransaction)
    {
        Start("transaction", poolSize: 2, new KeyValuePair<string, string>("pgbouncer_auth_type", "trust"));
        await using var bystander = await OpenAsync();
        using var raw = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);
        await raw.SendAsync(RawWireClient.StartupMessage(("user", User), ("database", Database), ("application_name", "raw")));
        Assert.Equal((byte)'I', (await raw.ReadUntilAsync('Z'))[0]);
        if (inTransaction)
        {
            await raw.SendAsync(RawWireClient.Query("BEGIN; SELECT 1"));
            Assert.Equal((byte)'T', (await raw.ReadUntilAsync('Z'))[0]);
        }

        await raw.SendAsync(RawWireClient.Header('Q', length));

        await ExpectProtocolViolationThenEndAsync(raw);
        await BystanderServedAsync(bystander);
        await Eventually.HoldsAsync(() => Running.Clients == 1, Bound, () => $"clients: {Running.Clients}");
        await EveryServerIdleAsync();
    }

    // PostgreSQL's own bounds (SocketBackend): only Query, FunctionCall, Parse, Bind and CopyData may
    // be large; a 300 MB Describe is refused at its header, before pgway buffers or forwards any of it.
    [Theory]
    [InlineData('D', 300_000_004)]
    [InlineData('D', 10_001)]
    [InlineData('C', 10_001)]
    [InlineData('E', 10_001)]
    [InlineData('S', 10_001)]
    [InlineData('H', 10_001)]
    [InlineData('X', 10_001)]
    public async Task LoggedIn_SmallMessageTypeOverPostgresLimit_08P01InvalidMessageLengthThenClosed(char type, int length)
    {
        Start("transaction", poolSize: 2, new KeyValuePair<string, string>("pgbouncer_auth_type", "trust"));
        await using var bystander = await OpenAsync();
        using var raw = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);
        await raw.SendAsync(RawWireClient.StartupMessage(("user", User), ("database", Database), ("application_name", "raw")));
        Assert.Equal((byte)'I', (await raw.ReadUntilAsync('Z'))[0]);

        await raw.SendAsync(RawWireClient.Header(type, length));

        var body = await ExpectProtocolViolationThenEndAsync(raw);
        Assert.StartsWith("invalid message length", RawWireClient.Field(body, 'M'), StringComparison.Ordinal);
        await BystanderServedAsync(bystander);
        await Eventually.HoldsAsync(() => Running.Clients == 1, Bound, () => $"clients: {Running.Clients}");
    }

    private static async Task<byte[]> ExpectProtocolViolationThenEndAsync(RawWireClient raw)
    {
        var message = await raw.ReadMessageAsync();
        Assert.True(message is not null, "the connection ended without an ErrorResponse");
        var (type, body) = message.Value;
        Assert.True(type == 'E', $"expected an ErrorResponse, got '{type}' ({Encoding.UTF8.GetString(body)})");
        Assert.Equal("08P01", RawWireClient.Field(body, 'C'));
        Assert.Equal("FATAL", RawWireClient.Field(body, 'S'));
        Assert.Null(await raw.ReadMessageAsync());
        return body;
    }

    // A client that says Terminate inside COPY FROM STDIN: PostgreSQL reads the Terminate inside the
    // COPY (08P01, then it closes), so a COPY the client did not end stores nothing, one it ended before
    // leaving is stored, and the pool's only server goes on serving others (it used to wait for COPY
    // data for ever, the client's socket and the server held with it).
    [Theory]
    [InlineData("transaction", false)]
    [InlineData("transaction", true)]
    [InlineData("session", false)]
    [InlineData("session", true)]
    public async Task Copy_TerminateInsideCopyIn_ClientClosedPoolServesOthers(string mode, bool copyEnded)
    {
        Start(mode, poolSize: 1, new KeyValuePair<string, string>("pgbouncer_auth_type", "trust"));
        var table = await CreateTableAsync("line text");
        using (var raw = await InCopyFromStdinAsync(table))
        {
            var last = ThreeCopyLines();
            if (copyEnded)
            {
                last.AddRange(RawWireClient.Header('c', 4));
            }
            last.AddRange(RawWireClient.Header('X', 4));

            await raw.SendAsync([.. last]);

            // Whatever the server said to it (PostgreSQL's 08P01 and FATAL), the connection ends.
            while (await raw.ReadMessageAsync() is not null)
            {
            }
        }
        await using var bystander = await OpenAsync();
        await BystanderServedAsync(bystander);
        Assert.Equal(copyEnded ? 3L : 0L, await ScalarAsync<long>(bystander, $"SELECT count(*) FROM {table}"));
        await Eventually.HoldsAsync(() => Running!.Clients == 1, Bound, () => $"clients: {Running!.Clients}");
    }

    // A client that ends its COPY and pipelines more before its Terminate, taken while the server has said
    // CopyInResponse but not yet its end: the COPY finishes by itself, and every answer is owed to the
    // client before the close, as PostgreSQL gives them. With the Terminate's first byte in the earlier
    // write, pgway took the COPY for one left open, dropped the server at once and the client lost the
    // COPY's and the query's answers (the differential tester's seed 32000022).
    [Theory]
    [InlineData("transaction", false)]
    [InlineData("session", false)]
    [InlineData("transaction", true)]
    [InlineData("session", true)]
    public async Task Copy_EndedThenQueryThenTerminate_EveryAnswerBeforeTheClose(string mode, bool terminateSplit)
    {
        Start(mode, poolSize: 1, new KeyValuePair<string, string>("pgbouncer_auth_type", "trust"));
        var table = await CreateTableAsync("line text");
        var types = new List<char>();
        using (var raw = await InCopyFromStdinAsync(table))
        {
            var last = ThreeCopyLines();
            last.AddRange(RawWireClient.Header('c', 4));
            last.AddRange(RawWireClient.Query("SELECT 42 AS answer"));
            last.AddRange(RawWireClient.Header('X', 4));

            if (terminateSplit)
            {
                // The Terminate's first byte with the rest, its length in a write of its own.
                await raw.SendAsync([.. last.Take(last.Count - 4)]);
                await raw.SendAsync([.. last.TakeLast(4)]);
            }
            else
            {
                await raw.SendAsync([.. last]);
            }

            while (await raw.ReadMessageAsync() is { } message)
            {
                types.Add(message.Type);
            }
        }

        Assert.Equal("CZTDCZ", new string([.. types]));
        await using var bystander = await OpenAsync();
        Assert.Equal(3L, await ScalarAsync<long>(bystander, $"SELECT count(*) FROM {table}"));
    }

    // A CopyDone for a COPY whose query failed first is ignored by PostgreSQL; pipelined before a COPY
    // the client then leaves open, pgway counted it as that COPY's end, took the COPY for one the client
    // had ended, and waited for it at the Terminate with the server held for ever (a pool of one then
    // served nobody). The Terminate now goes to any server still in COPY, in order, as PostgreSQL reads it.
    [Theory]
    [InlineData("transaction")]
    [InlineData("session")]
    public async Task Copy_IgnoredCopyDoneThenCopyLeftOpenThenTerminate_PoolServesOthers(string mode)
    {
        Start(mode, poolSize: 1, new KeyValuePair<string, string>("pgbouncer_auth_type", "trust"));
        var table = await CreateTableAsync("line text");
        using (var raw = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound))
        {
            await raw.SendAsync(RawWireClient.StartupMessage(("user", User), ("database", Database)));
            await raw.ReadUntilAsync('Z');
            var first = new List<byte>(RawWireClient.Query("COPY no_such_table FROM STDIN"));
            first.AddRange(RawWireClient.Header('c', 4));
            first.AddRange(RawWireClient.Query($"COPY {table} FROM STDIN"));
            await raw.SendAsync([.. first]);
            var answers = "";
            while (!answers.EndsWith('G') && await raw.ReadMessageAsync() is { } message)
            {
                answers += message.Type;
            }
            Assert.Equal("EZG", answers);

            var last = ThreeCopyLines();
            last.AddRange(RawWireClient.Header('X', 4));
            await raw.SendAsync([.. last]);
            while (await raw.ReadMessageAsync() is not null)
            {
            }
        }

        await using var bystander = await OpenAsync();
        await BystanderServedAsync(bystander);
        Assert.Equal(0L, await ScalarAsync<long>(bystander, $"SELECT count(*) FROM {table}"));
    }

    // A raw client logged in whose COPY FROM STDIN into the table has begun (CopyInResponse read).
    private async Task<RawWireClient> InCopyFromStdinAsync(string table)
    {
        var raw = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);
        await raw.SendAsync(RawWireClient.StartupMessage(("user", User), ("database", Database)));
        await raw.ReadUntilAsync('Z');
        await raw.SendAsync(RawWireClient.Query($"COPY {table} FROM STDIN"));
        await raw.ReadUntilAsync('G');
        return raw;
    }

    private static List<byte> ThreeCopyLines()
    {
        var lines = new List<byte>();
        for (var i = 0; i < 3; i++)
        {
            lines.AddRange(RawWireClient.Header('d', 4 + 5));
            lines.AddRange("line\n"u8.ToArray());
        }
        return lines;
    }

    // A COPY FROM STDIN begun with the extended protocol (Parse, Bind, Execute, Sync, as libpq's
    // PQexecParams sends it) leaves no Sync unanswered once the COPY has read it: by that count the
    // server was idle, went back to the pool in the middle of the COPY, and the next client's query
    // fell into it (08P01, and that client lost its session) once the first client had left.
    [Theory]
    [InlineData("transaction", false)]
    [InlineData("transaction", true)]
    [InlineData("session", false)]
    [InlineData("session", true)]
    public async Task Copy_ExtendedProtocolCopyInAbandoned_NextClientServedNothingStored(string mode, bool terminate)
    {
        Start(mode, poolSize: 1, new KeyValuePair<string, string>("pgbouncer_auth_type", "trust"));
        var table = await CreateTableAsync("line text");
        using (var client = await WireClient.LogInAsync(Running!.LocalEndPoint, User, Database, Bound))
        {
            await client.SendAsync(WireClient.Parse("", $"COPY {table} FROM STDIN"), WireClient.Bind(""), WireClient.Execute(), WireClient.Sync());
            while ((await client.ReadMessageAsync())?.Type is not 'G')
            {
            }
            await client.SendAsync(WireClient.CopyData("a\n"), WireClient.CopyData("b\n"));
            if (terminate)
            {
                await client.SendAsync(WireClient.Terminate());
            }
            // Otherwise it just closes its connection.
        }
        await using var bystander = await OpenAsync();
        await BystanderServedAsync(bystander);
        Assert.Equal(0L, await ScalarAsync<long>(bystander, $"SELECT count(*) FROM {table}"));
    }

    private static async Task BystanderServedAsync(NpgsqlConnection bystander)
    {
        Assert.Equal(42, await ScalarAsync<int>(bystander, "SELECT 42"));
        await using var transaction = await bystander.BeginTransactionAsync();
        Assert.Equal(43, await ScalarAsync<int>(bystander, "SELECT 43"));
        await transaction.CommitAsync();
    }
}
