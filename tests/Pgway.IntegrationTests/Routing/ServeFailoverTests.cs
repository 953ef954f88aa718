using System.Diagnostics;
using Npgsql;
using Pgway.Cli;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Routing;

/// <summary>`pgway serve` hosting both nodes of a cluster: the primary service follows a promotion without a restart.</summary>
public sealed class ServeFailoverTests(ITestOutputHelper output) : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica), IDisposable
{
    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-serve-{Guid.NewGuid():N}.yml");

    // Pigsty's RTO plans (see docs/configuration.md): the check timings of the primary service.
    [Theory]
    [InlineData("fast", "inter 1s fastinter 500ms downinter 1s rise 3 fall 3 on-marked-down shutdown-sessions")]
    [InlineData("norm", "inter 2s fastinter 1s downinter 2s rise 3 fall 3 on-marked-down shutdown-sessions")]
    public async Task Serve_PromoteReplicaStopPrimary_WritesThroughPrimaryServiceAgain(string plan, string options)
    {
        var (primary, replica) = (Cluster.Primary, Cluster.Instance(2));
        // Entry through the replica's address (it survives).
        await File.WriteAllTextAsync(file, Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_default_services",
                $"[{{name: primary, port: 5433, ip: '{replica.Address}', dest: postgres, selector: '[]', check: /primary, options: '{options}'}}, " +
                $"{{name: replica, port: 5434, ip: '{replica.Address}', dest: postgres, selector: '[]', backup: '[? pg_role == `primary` ]', check: /read-only, options: '{options}'}}]"),
        ]));
        using var stop = new CancellationTokenSource();
        var printed = new StringWriter();
        var writer = TextWriter.Synchronized(printed);
        var serve = Task.Run(() => PgwayCommand.RunAsync(
            ["serve", "-c", file, "--node", primary.Address.ToString(), "--node", replica.Address.ToString()],
            CliContext.ForWriters(writer, writer), stop.Token));
        try
        {
            await Eventually.HoldsAsync(async () => await WriteAsync(5433) == primary.Address.ToString(), TimeSpan.FromSeconds(30), () => printed.ToString());
            await using var held = await OpenAsync(5433);

            await Cluster.StopAsync(primary);
            await Cluster.PromoteAsync(replica);
            var promoted = Stopwatch.StartNew();
            await Eventually.HoldsAsync(async () => await WriteAsync(5433) == replica.Address.ToString(), TimeSpan.FromSeconds(30), () => printed.ToString());
            output.WriteLine($"{plan} plan: first successful write through :5433 {promoted.ElapsedMilliseconds} ms after the promotion ({options})");

            await using var command = new NpgsqlCommand("SELECT 1", held);
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => command.ExecuteScalarAsync());
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await serve);
        Assert.Contains("pg-test-primary", printed.ToString(), StringComparison.Ordinal);
        Assert.Contains("Ctrl-C to stop", printed.ToString(), StringComparison.Ordinal);
    }

    private async Task<NpgsqlConnection> OpenAsync(int port)
    {
        var builder = Cluster.ConnectionStringBuilder(Cluster.Primary, PgTestUsers.Dba);
        builder.Host = Cluster.Instance(2).Address.ToString();
        builder.Port = port;
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    // A write through the service: the address of the server that took it, or null if none did.
    private async Task<string?> WriteAsync(int port)
    {
        try
        {
            await using var connection = await OpenAsync(port);
            await using var command = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS serve_probe (id int); INSERT INTO serve_probe VALUES (1); SELECT inet_server_addr()::text", connection);
            var address = (string?)await command.ExecuteScalarAsync();
            return address?.Split('/')[0];
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }

    public void Dispose() => File.Delete(file);
}
