using Npgsql;
using Pgway.Cli;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Routing;

/// <summary>
/// `pgway serve` on the 3-node cluster with Pigsty's default services: when the active members of
/// the replica and offline services stop, their backups take over, in HAProxy's order.
/// </summary>
public sealed class ServeFallbackTests() : FreshPgTestClusterPerTest(new PgTestClusterOptions()), IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-serve-{Guid.NewGuid():N}.yml");

    [Fact]
    public async Task Serve_ActiveMembersStop_BackupsTakeOverInOrder()
    {
        var (primary, replica, offline) = (Cluster.Primary, Cluster.Instance(2), Cluster.Instance(3));
        const string Fast = "inter 1s fastinter 500ms downinter 1s rise 3 fall 3 on-marked-down shutdown-sessions";
        var ip = primary.Address.ToString();
        // Pigsty's four default services, entered through the primary's address, straight to postgres.
        await File.WriteAllTextAsync(file, Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_default_services",
                $"[{{name: primary, port: 5433, ip: '{ip}', dest: postgres, selector: '[]', check: /primary, options: '{Fast}'}}, " +
                $"{{name: replica, port: 5434, ip: '{ip}', dest: postgres, selector: '[]', backup: '[? pg_role == `primary` || pg_role == `offline` ]', check: /read-only, options: '{Fast}'}}, " +
                $"{{name: offline, port: 5438, ip: '{ip}', dest: postgres, selector: '[? pg_role == `offline` || pg_offline_query ]', backup: '[? pg_role == `replica` && !pg_offline_query]', check: /replica, options: '{Fast}'}}]"),
        ]));
        using var stop = new CancellationTokenSource();
        var printed = new StringWriter();
        var writer = TextWriter.Synchronized(printed);
        var serve = Task.Run(() => PgwayCommand.RunAsync(
            ["serve", "-c", file, .. Cluster.Instances.SelectMany(i => new[] { "--node", i.Address.ToString() })],
            CliContext.ForWriters(writer, writer), stop.Token));
        try
        {
            await WaitForServerAsync(5434, replica);
            await WaitForServerAsync(5438, offline);

            await Cluster.StopAsync(offline);
            // The offline service falls back to the replica.
            await WaitForServerAsync(5438, replica);

            await Cluster.StopAsync(replica);
            // The replica service falls back to its first backup that is up: the primary.
            await WaitForServerAsync(5434, primary);
            // The offline service has nobody left: a clear refusal, never a hang. Until the checks mark
            // the stopped member down (fall 3 x fastinter), the refusal says its connections failed.
            await Eventually.HoldsAsync(async () => await ServerAsync(5438) is PostgresException { SqlState: "08006" } e
                && e.MessageText.Contains("pg-test-offline has no member up", StringComparison.Ordinal), Timeout);
        }
        finally
        {
            await stop.CancelAsync();
        }
        Assert.Equal(0, await serve);
    }

    // The server a new connection through the service reaches, or the error it got.
    private async Task<object?> ServerAsync(int port)
    {
        var builder = Cluster.ConnectionStringBuilder(Cluster.Primary, PgTestUsers.Dba);
        builder.Port = port;
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT inet_server_addr()::text", connection);
            return ((string?)await command.ExecuteScalarAsync())?.Split('/')[0];
        }
        catch (NpgsqlException e)
        {
            return e;
        }
    }

    private async Task WaitForServerAsync(int port, PgInstance expected) =>
        await Eventually.HoldsAsync(async () => await ServerAsync(port) is string address && address == expected.Address.ToString(), Timeout);

    public void Dispose() => File.Delete(file);
}
