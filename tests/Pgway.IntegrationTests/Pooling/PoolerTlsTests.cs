using System.Globalization;
using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// TLS between clients and the pooler (<c>client_tls_sslmode</c>, Pigsty's <c>pgbouncer_sslmode</c>),
/// with certificates made for the test: psql and Npgsql at each mode, PostgreSQL 17's direct TLS,
/// client certificates, and the refusals. The pooler reaches PostgreSQL in plaintext here.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerTlsTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture), IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private TestCertificates? certificates;

    private TestCertificates Certificates => certificates ??= TestCertificates.Create(Cluster.Primary.Address, PoolerHarness.User);

    public void Dispose() => certificates?.Dispose();

    private Pooler Start(string sslMode, params KeyValuePair<string, string>[] more) =>
        Running = PoolerHarness.Start(Cluster, "transaction", extra:
        [
            new("pgbouncer_sslmode", sslMode),
            new("pgbouncer_client_tls_cert_file", $"'{Certificates.ServerCertFile}'"),
            new("pgbouncer_client_tls_key_file", $"'{Certificates.ServerKeyFile}'"),
            new("pgbouncer_client_tls_ca_file", $"'{Certificates.CaFile}'"),
            .. more,
        ]);

    private NpgsqlConnection Connect(Action<NpgsqlConnectionStringBuilder> configure)
    {
        var builder = PoolerHarness.ConnectionStringBuilder(Running!, Cluster);
        builder.GssEncryptionMode = GssEncryptionMode.Disable;
        configure(builder);
        return new NpgsqlConnection(builder.ConnectionString);
    }

    private static async Task<int> AnswerAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT 42", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private Task<CommandResult> PsqlAsync(string connectionOptions, params string[] commands) =>
        PgCommandRunner.RunAsync(Cluster.Binaries.PathOf("psql"),
            [
                "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                $"host={Running!.LocalEndPoint.Address} port={Running.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture)} user={PoolerHarness.User} dbname={PoolerHarness.Database} {connectionOptions}",
                .. commands.SelectMany(c => (string[])["-c", c]),
            ],
            Path.GetTempPath(),
            new Dictionary<string, string> { ["PGPASSWORD"] = Cluster.Credentials.PasswordFor(PoolerHarness.User), ["PGCONNECT_TIMEOUT"] = "15" },
            Bound, CancellationToken.None);

    [Theory]
    [InlineData("sslmode=require")]
    [InlineData("sslmode=verify-full sslrootcert={ca}")]
    public async Task Psql_OverTls_ConnectedWithTls(string options)
    {
        Start("require");

        var result = await PsqlAsync(options.Replace("{ca}", Certificates.CaFile, StringComparison.Ordinal), @"\conninfo", "SELECT 40 + 2");

        Assert.True(result.Succeeded, result.Describe());
        Assert.Contains("SSL connection (protocol: TLSv1.", result.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith("42\n", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Psql_VerifyFullAgainstAnotherCa_RefusesThePooler()
    {
        Start("require");

        var result = await PsqlAsync($"sslmode=verify-full sslrootcert={Certificates.OtherCaFile}", "SELECT 1");

        Assert.False(result.Succeeded);
        Assert.Contains("certificate verify failed", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SslMode.Require)]
    [InlineData(SslMode.VerifyFull)]
    public async Task Npgsql_OverTls_Answers(SslMode mode)
    {
        Start("require");
        await using var connection = Connect(b =>
        {
            b.SslMode = mode;
            b.RootCertificate = mode == SslMode.VerifyFull ? Certificates.CaFile : null;
        });

        await connection.OpenAsync();

        Assert.Equal(42, await AnswerAsync(connection));
    }

    [Fact]
    public async Task Npgsql_PlaintextUnderRequire_Refused28000()
    {
        Start("require");
        await using var connection = Connect(b => b.SslMode = SslMode.Disable);

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("28000", error.SqlState);
        Assert.Contains("SSL required", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Npgsql_PreferUnderPrefer_TlsAndPlaintextBothServed()
    {
        Start("prefer");
        await using var tls = Connect(b => b.SslMode = SslMode.Require);
        await using var plain = Connect(b => b.SslMode = SslMode.Disable);

        await tls.OpenAsync();
        await plain.OpenAsync();

        Assert.Equal(42, await AnswerAsync(tls));
        Assert.Equal(42, await AnswerAsync(plain));
    }

    [Fact]
    public async Task SslRequest_UnderDisable_AnsweredN()
    {
        Running = PoolerHarness.Start(Cluster, "transaction");
        using var client = await RawWireClient.ConnectAsync(Running.LocalEndPoint, Bound);

        await client.SendAsync(RawWireClient.EncryptionRequest());

        Assert.Equal((byte)'N', await client.ReadByteAsync());
        // And the session goes on in plaintext.
        await client.SendAsync(RawWireClient.StartupMessage(("user", PoolerHarness.User), ("database", PoolerHarness.Database)));
        var message = await client.ReadMessageAsync();
        Assert.Equal('R', message?.Type);
    }

    [Fact]
    public async Task SslRequest_WithBytesAfterIt_RefusedBeforeAnyAnswer()
    {
        Start("require");
        using var client = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);

        // A man in the middle's injection: bytes after the request, before the answer (CVE-2021-23222).
        await client.SendAsync([.. RawWireClient.EncryptionRequest(), .. RawWireClient.Query("SELECT 1")]);

        var message = await client.ReadMessageAsync();
        Assert.NotNull(message);
        Assert.Equal('E', message.Value.Type);
        Assert.Equal("08P01", RawWireClient.Field(message.Value.Body, 'C'));
        Assert.Null(await client.ReadMessageAsync());
    }

    [Fact]
    public async Task Npgsql_DirectTls_ConnectsWithoutSslRequest()
    {
        Start("require");
        await using var connection = Connect(b =>
        {
            b.SslMode = SslMode.VerifyFull;
            b.RootCertificate = Certificates.CaFile;
            b.SslNegotiation = SslNegotiation.Direct;
        });

        await connection.OpenAsync();

        Assert.Equal(42, await AnswerAsync(connection));
    }

    [Fact]
    public async Task DirectTls_WithAlpnPostgresql_LogsInOverTls()
    {
        Start("require");
        using var client = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);

        var tls = await client.StartTlsAsync(Certificates.TrustingCa(Cluster.Primary.Address.ToString(), "postgresql"));
        await client.SendAsync(RawWireClient.StartupMessage(("user", PoolerHarness.User), ("database", PoolerHarness.Database)));

        Assert.Equal("postgresql", tls.NegotiatedApplicationProtocol.ToString());
        Assert.Equal('R', (await client.ReadMessageAsync())?.Type);
    }

    [Fact]
    public async Task DirectTls_WithoutAlpn_RefusedAsPostgreSqlDoes()
    {
        Start("require");
        using var client = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);

        await client.StartTlsAsync(Certificates.TrustingCa(Cluster.Primary.Address.ToString()));

        var message = await client.ReadMessageAsync();
        Assert.NotNull(message);
        Assert.Equal('E', message.Value.Type);
        Assert.Equal("08P01", RawWireClient.Field(message.Value.Body, 'C'));
        Assert.Contains("ALPN", RawWireClient.Field(message.Value.Body, 'M'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyCa_GoodClientCertificate_LogsIn()
    {
        Start("verify-ca");
        await using var connection = Connect(b =>
        {
            b.SslMode = SslMode.VerifyFull;
            b.RootCertificate = Certificates.CaFile;
            b.SslCertificate = Certificates.ClientCertFile;
            b.SslKey = Certificates.ClientKeyFile;
        });

        await connection.OpenAsync();

        Assert.Equal(42, await AnswerAsync(connection));
    }

    [Fact]
    public async Task VerifyCa_PsqlWithClientCertificate_LogsIn()
    {
        Start("verify-ca");

        var result = await PsqlAsync(
            $"sslmode=verify-full sslrootcert={Certificates.CaFile} sslcert={Certificates.ClientCertFile} sslkey={Certificates.ClientKeyFile}", "SELECT 40 + 2");

        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("42\n", result.StandardOutput);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task VerifyCa_NoOrUntrustedClientCertificate_Refused28000(bool untrusted)
    {
        Start("verify-ca");
        await using var connection = Connect(b =>
        {
            b.SslMode = SslMode.Require;
            b.SslCertificate = untrusted ? Certificates.OtherClientCertFile : null;
            b.SslKey = untrusted ? Certificates.OtherClientKeyFile : null;
        });

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("28000", error.SqlState);
        Assert.Equal("connection requires a valid client certificate", error.MessageText);
    }

    [Fact]
    public void Start_CertificateFileMissing_ErrorNamesSettingAndFile()
    {
        var missing = Path.Combine(Certificates.Folder, "no-such.crt");

        var error = Assert.Throws<InvalidOperationException>(() => Start("require", new KeyValuePair<string, string>("pgbouncer_client_tls_cert_file", $"'{missing}'")));

        Assert.Contains("pgbouncer_client_tls_cert_file", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerRequire_PostgreSqlWithoutTls_LogInFailsWithTheReason()
    {
        Running = PoolerHarness.Start(Cluster, "transaction", extra: [new("pgbouncer_server_tls_sslmode", "require")]);
        await using var connection = Connect(b => b.SslMode = SslMode.Disable);

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("08006", error.SqlState);
        Assert.Contains("does not accept TLS, and server_tls_sslmode is require", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerPrefer_PostgreSqlWithoutTls_PlaintextServer()
    {
        Running = PoolerHarness.Start(Cluster, "transaction", extra: [new("pgbouncer_server_tls_sslmode", "prefer")]);
        await using var connection = Connect(b => b.SslMode = SslMode.Disable);

        await connection.OpenAsync();

        Assert.Equal(42, await AnswerAsync(connection));
    }
}
