using System.Net.Sockets;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Pooling.Authentication;
using Pgway.Transport;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>pgway logging in to a real PostgreSQL with each method it may be asked for.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ServerLoginTests(PgTestClusterFixture fixture) : IAsyncLifetime
{
    private const string Password = "Pgway.Login.Test";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly string scramUser = $"pgway_scram_{Guid.NewGuid():N}"[..30];

    private PgTestCluster Cluster => fixture.Cluster;

    public async Task InitializeAsync()
    {
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"""
            CREATE ROLE {scramUser} LOGIN PASSWORD '{Password}';
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PgTestUsers.Md5Login}') THEN CREATE ROLE {PgTestUsers.Md5Login} LOGIN; END IF;
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PgTestUsers.CleartextLogin}') THEN CREATE ROLE {PgTestUsers.CleartextLogin} LOGIN; END IF;
            END $$;
            SET password_encryption = 'md5';
            ALTER ROLE {PgTestUsers.Md5Login} PASSWORD '{Password}';
            RESET password_encryption;
            ALTER ROLE {PgTestUsers.CleartextLogin} PASSWORD '{Password}';
            """);
    }

    // The shared cluster's other tests expect every login role to have a SCRAM password.
    public Task DisposeAsync() => Cluster.ExecuteNonQueryAsync(Cluster.Primary,
        $"DROP ROLE IF EXISTS {scramUser}, {PgTestUsers.Md5Login}, {PgTestUsers.CleartextLogin}");

    [Fact]
    public async Task Login_ScramWithPassword_ReadyWithParametersAndKey()
    {
        var result = await LoginAsync(new ServerCredentials(scramUser, Password));

        Assert.Equal(Protocol.TransactionStatus.Idle, result.Status);
        Assert.NotEqual(0, result.ProcessId);
        Assert.Equal(4, result.SecretKey.Length);
        Assert.StartsWith("15", result.Parameters["server_version"], StringComparison.Ordinal);
        Assert.Equal("pgway-test", result.Parameters["application_name"]);
    }

    [Fact]
    public async Task Login_ScramWithClientKeyFromAClientsProof_NoPasswordNeeded()
    {
        // The verifier PostgreSQL stores is all pgway holds; a client proves itself against it.
        var stored = await Cluster.ExecuteScalarAsync<string>(Cluster.Primary, $"SELECT rolpassword FROM pg_authid WHERE rolname = '{scramUser}'");
        Assert.True(ScramVerifier.TryParse(stored!, out var verifier));
        var client = ScramClientExchange.WithPassword(Password);
        var pgway = new ScramServerExchange(verifier!);
        Assert.True(pgway.TryStart(client.ClientFirst(), out var serverFirst, out _));
        Assert.True(client.TryContinue(serverFirst, out var clientFinal, out _));
        Assert.Equal(ScramOutcome.Authenticated, pgway.Finish(clientFinal, out _, out _));

        var result = await LoginAsync(new ServerCredentials(scramUser, Verifier: verifier, ClientKey: pgway.ClientKey));

        Assert.Equal(Protocol.TransactionStatus.Idle, result.Status);
    }

    [Fact]
    public async Task Login_ScramWrongPassword_ServersError()
    {
        var e = await Assert.ThrowsAsync<ServerLoginException>(() => LoginAsync(new ServerCredentials(scramUser, "wrong")));

        Assert.Equal("28P01", e.SqlState);
        Assert.Contains("password authentication failed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_ScramWithOnlyAnMd5Hash_ExplainsWhyNot()
    {
        var e = await Assert.ThrowsAsync<ServerLoginException>(() => LoginAsync(new ServerCredentials(scramUser, Md5Password.Hash(Password, scramUser))));

        Assert.Equal("28P01", e.SqlState);
        Assert.Contains("an MD5 hash cannot answer SCRAM", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Login_Md5_WithPasswordOrStoredHash(bool hash)
    {
        var secret = hash ? Md5Password.Hash(Password, PgTestUsers.Md5Login) : Password;

        var result = await LoginAsync(new ServerCredentials(PgTestUsers.Md5Login, secret));

        Assert.Equal(Protocol.TransactionStatus.Idle, result.Status);
    }

    [Fact]
    public async Task Login_Cleartext_WithPassword()
    {
        var result = await LoginAsync(new ServerCredentials(PgTestUsers.CleartextLogin, Password));

        Assert.Equal(Protocol.TransactionStatus.Idle, result.Status);
    }

    [Fact]
    public async Task Login_NoSuchDatabase_ServersError()
    {
        var e = await Assert.ThrowsAsync<ServerLoginException>(() => LoginAsync(new ServerCredentials(scramUser, Password), "no_such_database"));

        Assert.Equal("3D000", e.SqlState);
    }

    [Fact]
    public async Task Login_OnAnEpollLoop_EveryAwaitStaysOnTheLoopThread()
    {
        using var loops = new EpollLoopGroup(1, TimeProvider.System);
        var loop = loops.Next();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await EpollConnect.ConnectAsync(loop, socket, new System.Net.IPEndPoint(Cluster.Primary.Address, PgTestCluster.Port), CancellationToken.None);

        var (result, onLoop) = await loop.RunAsync(async () =>
        {
            using var attached = LoopSocket.Attach(loop, socket);
            await using var stream = new LoopStream(attached);
            var result = await ServerLogin.LoginAsync(stream, new ServerCredentials(scramUser, Password), [new("database", "postgres")], CancellationToken.None);
            return (result, loop.IsCurrent);
        }).WaitAsync(Bound);

        Assert.Equal(Protocol.TransactionStatus.Idle, result.Status);
        Assert.True(onLoop);
    }

    private async Task<ServerLoginResult> LoginAsync(ServerCredentials credentials, string database = "postgres")
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(Bound);
        await client.ConnectAsync(Cluster.Primary.Address, PgTestCluster.Port, timeout.Token);
        await using var stream = client.GetStream();
        return await ServerLogin.LoginAsync(stream, credentials, [new("database", database), new("application_name", "pgway-test")], timeout.Token);
    }
}
