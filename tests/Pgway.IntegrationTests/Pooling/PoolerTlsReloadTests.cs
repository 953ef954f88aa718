using Npgsql;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// TLS settings changed while the pooler runs: the console's SET of a <c>client_tls_*</c> setting and
/// a RELOAD of renewed certificate files apply to the next client; a file that cannot be used is
/// refused with the reason and the TLS in use stays.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerTlsReloadTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture), IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("pgway-tls-reload-");
    private TestCertificates? certificates;
    private TestCertificates? renewed;
    private GatewayHost? host;

    private TestCertificates Certificates => certificates ??= TestCertificates.Create(Cluster.Primary.Address, PoolerHarness.User);

    // The same names, from another CA: a certificate renewed in place.
    private TestCertificates Renewed => renewed ??= TestCertificates.Create(Cluster.Primary.Address, PoolerHarness.User);

    private string InventoryFile => Path.Combine(folder.FullName, "inventory.yml");

    public override async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
        await base.DisposeAsync();
    }

    public void Dispose()
    {
        certificates?.Dispose();
        renewed?.Dispose();
        folder.Delete(recursive: true);
    }

    // The certificate files beside the inventory, named relative to it, as Pigsty's /pg/cert files are.
    private void Install(TestCertificates from)
    {
        File.Copy(from.ServerCertFile, Path.Combine(folder.FullName, "server.crt"), overwrite: true);
        File.Copy(from.ServerKeyFile, Path.Combine(folder.FullName, "server.key"), overwrite: true);
        File.Copy(from.CaFile, Path.Combine(folder.FullName, "ca.crt"), overwrite: true);
    }

    // As pgway serve starts a node's pooler, with RELOAD reading the inventory again.
    private async Task<Pooler> StartAsync(string sslMode)
    {
        Install(Certificates);
        await File.WriteAllTextAsync(InventoryFile, Cluster.ToInventoryYaml([
            new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}, " +
                $"{{name: {PgTestUsers.Dba}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Dba)}', pgbouncer: true}}]"),
            // The console client logs in with a plain password.
            new("pgbouncer_auth_type", "plain"),
            new("pgbouncer_sslmode", sslMode),
            new("pgbouncer_client_tls_cert_file", "server.crt"),
            new("pgbouncer_client_tls_key_file", "server.key"),
            new("pgbouncer_client_tls_ca_file", "ca.crt"),
            .. ServedPooler.Variables,
        ]));
        host = await ServedPooler.StartAsync(Cluster, InventoryFile);
        return host.Poolers.Single();
    }

    private Pooler Served => host!.Poolers.Single();

    private Task<AdminConsoleClient> ConsoleAsync() =>
        AdminConsoleClient.ConnectAsync(Served.LocalEndPoint, PgTestUsers.Dba, Cluster.Credentials.PasswordFor(PgTestUsers.Dba));

    private async Task<int> AnswerAsync(SslMode mode, string? rootCertificate = null)
    {
        var builder = PoolerHarness.ConnectionStringBuilder(Served, Cluster);
        builder.GssEncryptionMode = GssEncryptionMode.Disable;
        builder.SslMode = mode;
        builder.RootCertificate = rootCertificate;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT 42", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Set_ClientTlsSslmodeRequire_PlaintextClientRefused28000TlsClientServed()
    {
        await StartAsync("disable");
        using var admin = await ConsoleAsync();
        Assert.Equal(42, await AnswerAsync(SslMode.Disable));

        var unknown = await admin.QueryAsync("SET client_tls_sslmode = 'sometimes'");
        var set = await admin.QueryAsync("SET client_tls_sslmode = 'require'");

        Assert.StartsWith("SET failed: client_tls_sslmode 'sometimes' is not one of", unknown.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("SET client_tls_sslmode=require", set.Tag);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => AnswerAsync(SslMode.Disable));
        Assert.Equal("28000", refused.SqlState);
        Assert.Contains("SSL required", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(42, await AnswerAsync(SslMode.VerifyFull, Certificates.CaFile));
    }

    [Fact]
    public async Task Set_CertificateFileMissing_RefusedWithTheFileAndTheTlsInUseServes()
    {
        // prefer: the console client here speaks plaintext.
        await StartAsync("prefer");
        using var admin = await ConsoleAsync();

        var refused = await admin.QueryAsync("SET client_tls_cert_file = 'missing.crt'");

        Assert.StartsWith("SET failed: pgbouncer_client_tls_cert_file", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("missing.crt", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("the TLS in use is kept", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("server.crt", (await admin.QueryAsync("SHOW CONFIG")).Single("key", "client_tls_cert_file")["value"]);
        Assert.Equal(42, await AnswerAsync(SslMode.VerifyFull, Certificates.CaFile));
    }

    [Fact]
    public async Task Reload_CertificateRenewedInPlace_NewClientsGetItAndABadFileIsRefusedKeepingIt()
    {
        // prefer: the console client here speaks plaintext.
        await StartAsync("prefer");
        using var admin = await ConsoleAsync();
        Assert.Equal(42, await AnswerAsync(SslMode.VerifyFull, Certificates.CaFile));

        Install(Renewed);
        var reloaded = await admin.QueryAsync("RELOAD");

        Assert.Equal("RELOAD", reloaded.Tag);
        Assert.Equal(42, await AnswerAsync(SslMode.VerifyFull, Renewed.CaFile));
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => AnswerAsync(SslMode.VerifyFull, Certificates.CaFile));

        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "server.crt"), "not a certificate\n");
        var refused = await admin.QueryAsync("RELOAD");

        Assert.StartsWith("RELOAD failed", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(42, await AnswerAsync(SslMode.VerifyFull, Renewed.CaFile));
    }
}
