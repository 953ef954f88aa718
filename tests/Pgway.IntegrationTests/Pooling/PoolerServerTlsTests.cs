using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// TLS between the pooler and PostgreSQL (<c>server_tls_sslmode</c>), against a cluster of its own
/// with TLS on: the backend sees TLS, a server certificate from another CA is refused with a clear
/// error, TLS servers move between loops and survive session resets, and megabytes cross TLS on
/// both sides.
/// </summary>
public sealed class PoolerServerTlsTests(TlsPgTestClusterFixture fixture) : IClassFixture<TlsPgTestClusterFixture>, IAsyncLifetime
{
    private const string User = PoolerHarness.User;
    private Pooler? running;

    private PgTestCluster Cluster => fixture.Cluster;

    private TestCertificates Certificates => fixture.Certificates;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (running is not null)
        {
            await running.DisposeAsync();
        }
    }

    private Pooler Start(string mode = "transaction", int poolSize = 2, string caFile = "", bool clientTls = false)
    {
        List<KeyValuePair<string, string>> variables =
        [
            new("pgbouncer_server_tls_sslmode", "verify-full"),
            new("pgbouncer_server_tls_ca_file", $"'{(caFile.Length > 0 ? caFile : Certificates.CaFile)}'"),
        ];
        if (clientTls)
        {
            variables.AddRange(
            [
                new("pgbouncer_sslmode", "require"),
                new("pgbouncer_client_tls_cert_file", $"'{Certificates.ServerCertFile}'"),
                new("pgbouncer_client_tls_key_file", $"'{Certificates.ServerKeyFile}'"),
            ]);
        }
        return running = PoolerHarness.Start(Cluster, mode, poolSize, extra: variables);
    }

    private NpgsqlConnection Connect(bool tls = false, string? applicationName = null)
    {
        var builder = PoolerHarness.ConnectionStringBuilder(running!, Cluster, applicationName: applicationName);
        builder.GssEncryptionMode = GssEncryptionMode.Disable;
        builder.SslMode = tls ? SslMode.VerifyFull : SslMode.Disable;
        builder.RootCertificate = tls ? Certificates.CaFile : null;
        return new NpgsqlConnection(builder.ConnectionString);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task VerifyFull_ThePoolersServerConnections_AreTlsInPgStatSsl()
    {
        Start();
        await using var connection = Connect();
        await connection.OpenAsync();

        Assert.True(await ScalarAsync<bool>(connection, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));
        var plaintext = await Cluster.ExecuteScalarAsync<long>(Cluster.Primary,
            $"SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE usename = '{User}' AND NOT ssl");
        Assert.Equal(0, plaintext);
    }

    [Fact]
    public async Task VerifyFull_ServerCertificateFromAnotherCa_LogInFailsWithTheReason()
    {
        Start(caFile: Certificates.OtherCaFile);
        await using var connection = Connect();

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("08006", error.SqlState);
        Assert.Contains("TLS with the server", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("server_tls_sslmode verify-full", error.MessageText, StringComparison.Ordinal);
        Assert.Contains($"does not chain to server_tls_ca_file {Certificates.OtherCaFile}", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransactionMode_ManyClientsOneTlsServer_ServerMovesBetweenLoops()
    {
        const int Clients = 6;
        const int Transactions = 30;
        Start(poolSize: 1, clientTls: true);

        var results = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            await using var connection = Connect(tls: true);
            await connection.OpenAsync();
            var tls = 0;
            for (var i = 0; i < Transactions; i++)
            {
                await using var transaction = await connection.BeginTransactionAsync();
                if (await ScalarAsync<bool>(connection, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
                {
                    tls++;
                }
                await transaction.CommitAsync();
            }
            return tls;
        }));

        Assert.All(results, tls => Assert.Equal(Transactions, tls));
        Assert.Equal(1, running!.ServerCounts(PoolerHarness.Database, User).Total);
    }

    [Fact]
    public async Task SessionMode_TlsServerReusedAfterResetAndParameters()
    {
        Start(mode: "session", poolSize: 1);
        var pids = new List<int>();
        foreach (var name in (string[])["first", "second", "third"])
        {
            await using var connection = Connect(applicationName: name);
            await connection.OpenAsync();
            Assert.Equal(name, await ScalarAsync<string>(connection, "SELECT current_setting('application_name')"));
            pids.Add(await ScalarAsync<int>(connection, "SELECT pg_backend_pid()"));
        }

        // One server, TLS throughout, reset (DISCARD ALL) and brought to each client's parameters over TLS.
        Assert.Single(pids.Distinct());
    }

    [Fact]
    public async Task LargeTransfers_TlsOnBothSides_EveryByteThrough()
    {
        Start(clientTls: true);
        await using var connection = Connect(tls: true);
        await connection.OpenAsync();
        var table = $"tls_copy_{Guid.NewGuid():N}";
        await using (var create = new NpgsqlCommand($"CREATE TEMP TABLE {table} (id int, payload text)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        // About 12 MB in by COPY FROM STDIN, the same back by COPY TO STDOUT.
        const int Rows = 60_000;
        var sent = new StringBuilder();
        await using (var writer = await connection.BeginTextImportAsync($"COPY {table} FROM STDIN"))
        {
            for (var i = 0; i < Rows; i++)
            {
                var line = $"{i}\t{new string((char)('a' + (i % 26)), 200)}";
                sent.Append(line).Append('\n');
                await writer.WriteLineAsync(line);
            }
        }
        string received;
        using (var reader = await connection.BeginTextExportAsync($"COPY {table} TO STDOUT"))
        {
            received = await reader.ReadToEndAsync();
        }
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(sent.ToString())), SHA256.HashData(Encoding.UTF8.GetBytes(received)));

        // One row of 3 MB each way.
        var big = new string('x', 3 * 1024 * 1024);
        await using var echo = new NpgsqlCommand("SELECT $1::text || 'y'", connection) { Parameters = { new() { Value = big } } };
        Assert.Equal(big + "y", (string)(await echo.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Psql_TlsToThePoolerAndFromIt_Works()
    {
        Start(clientTls: true);

        var result = await PgCommandRunner.RunAsync(Cluster.Binaries.PathOf("psql"),
            ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             $"host={running!.LocalEndPoint.Address} port={running.LocalEndPoint.Port} user={User} dbname={PoolerHarness.Database} sslmode=verify-full sslrootcert={Certificates.CaFile}",
             "-c", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"],
            Path.GetTempPath(),
            new Dictionary<string, string> { ["PGPASSWORD"] = Cluster.Credentials.PasswordFor(User), ["PGCONNECT_TIMEOUT"] = "15" },
            TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("t\n", result.StandardOutput);
    }
}
