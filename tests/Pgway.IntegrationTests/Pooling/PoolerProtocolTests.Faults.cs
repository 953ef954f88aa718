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

    private static async Task BystanderServedAsync(NpgsqlConnection bystander)
    {
        Assert.Equal(42, await ScalarAsync<int>(bystander, "SELECT 42"));
        await using var transaction = await bystander.BeginTransactionAsync();
        Assert.Equal(43, await ScalarAsync<int>(bystander, "SELECT 43"));
        await transaction.CommitAsync();
    }
}
