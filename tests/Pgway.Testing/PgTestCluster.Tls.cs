namespace Pgway.Testing;

// TLS on the primary, for tests of clients (pgway's pooler among them) that connect to it over TLS.
internal sealed partial class PgTestCluster
{
    /// <summary>
    /// Turns TLS on at the primary with <paramref name="certificatePem"/> and <paramref name="keyPem"/>
    /// (written into its data directory as server.crt and server.key, 0600 and owned by the user
    /// PostgreSQL runs as, which it insists on), by <c>ALTER SYSTEM</c> and a reload: clients asking
    /// for TLS get it from then on, the others go on in plaintext.
    /// </summary>
    public async Task EnableTlsAsync(string certificatePem, string keyPem, CancellationToken cancellationToken = default)
    {
        var certificate = Path.Combine(Primary.DataDirectory, "server.crt");
        var key = Path.Combine(Primary.DataDirectory, "server.key");
        await File.WriteAllTextAsync(certificate, certificatePem, cancellationToken);
        await File.WriteAllTextAsync(key, keyPem, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        await _runner.HandOverAsync(certificate, cancellationToken);
        await _runner.HandOverAsync(key, cancellationToken);
        await ExecuteNonQueryAsync(Primary, "ALTER SYSTEM SET ssl = on", cancellationToken: cancellationToken);
        await ExecuteNonQueryAsync(Primary, "SELECT pg_reload_conf()", cancellationToken: cancellationToken);
        string? ssl = null;
        await Wait.UntilAsync(
            async token => (ssl = await ExecuteScalarAsync<string>(Primary, "SHOW ssl", cancellationToken: token)) == "on",
            OperationTimeout,
            () => LogTail.Describe($"ssl is still '{ssl}' at {Primary} after a reload", Primary.LogPath),
            cancellationToken);
    }
}
