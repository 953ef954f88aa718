using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Npgsql;
using Pgway.Admin;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Hosting;

/// <summary>
/// A real `pgway serve` under a low open-files limit (ulimit -n 256) flooded with more idle
/// connections than it has descriptors: sessions under way go on, members stay up, newcomers are
/// refused with a clear error, and the process lives.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ServeDescriptorTests(PgTestClusterFixture fixture) : IDisposable
{
    private const int Port = 15471;
    private const int PoolerPort = 16471;
    private const int AdminPort = 9171;
    private const int DescriptorLimit = 256;
    // Idle sockets per port: together more than the process has descriptors.
    private const int IdlePerPort = 200;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-fd-{Guid.NewGuid():N}.yml");

    private PgTestCluster Cluster => fixture.Cluster;

    private string Entry => Cluster.Primary.Address.ToString();

    private string Inventory() => Cluster.ToInventoryYaml([
        new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
        new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
        new("pgbouncer_port", PoolerPort.ToString(CultureInfo.InvariantCulture)),
        new("haproxy_exporter_port", AdminPort.ToString(CultureInfo.InvariantCulture)),
        // fall 1: a single failed check would take the member down.
        new("pg_default_services", $"[{{name: fd, port: {Port}, ip: '{Entry}', dest: postgres, selector: '[? pg_role == `primary`]', check: /primary, check_method: postgres, " +
            "options: 'inter 1s fastinter 500ms downinter 1s rise 1 fall 1 on-marked-down shutdown-sessions'}]"),
    ]);

    [Fact]
    public async Task IdleFloodOverDescriptorLimit_SessionsGoOnMembersStayUpNewcomersRefusedProcessLives()
    {
        await File.WriteAllTextAsync(file, Inventory());
        var output = new StringBuilder();
        using var process = StartServe(output);
        var idle = new List<Socket>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await Eventually.HoldsAsync(() => Read(output).Contains("Ctrl-C to stop", StringComparison.Ordinal), Timeout, () => Read(output));
            await Eventually.HoldsAsync(async () => (await StatusAsync(http)).Services.Single().Members.Single().Check is { Passed: true }, Timeout, () => Read(output));
            await using var pooled = await OpenAsync(PoolerPort, PgTestUsers.Meta, output);
            await using var spliced = await OpenAsync(Port, PgTestUsers.Dba, output);

            // More idle sockets than descriptors, saying nothing; bounded in count, each connect in time.
            var flooded = DateTimeOffset.UtcNow;
            foreach (var port in new[] { Port, PoolerPort })
            {
                for (var i = 0; i < IdlePerPort; i++)
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    idle.Add(socket);
                    using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    try
                    {
                        await socket.ConnectAsync(Cluster.Primary.Address, port, connect.Token);
                    }
                    catch (Exception e) when (e is SocketException or OperationCanceledException)
                    {
                        // The backlog full: as refused as can be.
                    }
                }
            }

            // Sessions under way go on.
            Assert.Equal(1, await ScalarAsync(pooled, "SELECT 1"));
            Assert.Equal(1, await ScalarAsync(spliced, "SELECT 1"));
            // Newcomers are told why, on both kinds of port.
            foreach (var (port, user) in new[] { (PoolerPort, PgTestUsers.Meta), (Port, PgTestUsers.Dba) })
            {
                await using var late = ServeClients.Connection(Cluster, port, user, PgTestUsers.TestDatabase);
                var refused = await Assert.ThrowsAsync<PostgresException>(() => late.OpenAsync());
                Assert.Equal("53300", refused.SqlState);
                Assert.Contains("too many connections", refused.MessageText, StringComparison.Ordinal);
            }
            // Checks after the flood still run and pass: the member was never taken down.
            await Eventually.HoldsAsync(async () => (await StatusAsync(http)).Services.Single().Members.Single().Check is { } check && check.CompletedAt > flooded.AddSeconds(2),
                Timeout, () => Read(output));
            var report = await StatusAsync(http);
            var member = report.Services.Single().Members.Single();
            Assert.True(member.Up && member.State == "up" && member.Check!.Passed, $"{member.State} {member.Check}\n{Read(output)}");
            Assert.DoesNotContain(report.Events, e => e.To == "down");
            Assert.Equal(1, await ScalarAsync(spliced, "SELECT 1"));
            Assert.False(process.HasExited, Read(output));

            // Once the idle sockets go, newcomers get in again.
            foreach (var socket in idle)
            {
                socket.Dispose();
            }
            idle.Clear();
            await using var again = await OpenAsync(PoolerPort, PgTestUsers.Meta, output);
            Assert.Equal(1, await ScalarAsync(again, "SELECT 1"));
            Assert.Equal(1, await ScalarAsync(pooled, "SELECT 1"));
            Assert.False(process.HasExited, Read(output));
            Assert.DoesNotContain("Out of memory", Read(output), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            foreach (var socket in idle)
            {
                socket.Dispose();
            }
            if (!process.HasExited)
            {
                // Only the process this test started, by its id.
                process.Kill(entireProcessTree: false);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
    }

    private async Task<StatusReport> StatusAsync(HttpClient http)
    {
        var body = await http.GetStringAsync($"http://{Entry}:{AdminPort}/status.json");
        return JsonSerializer.Deserialize(body, StatusJsonContext.Default.StatusReport)!;
    }

    private async Task<NpgsqlConnection> OpenAsync(int port, string user, StringBuilder output)
    {
        NpgsqlConnection? opened = null;
        await Eventually.HoldsAsync(async () =>
        {
            var connection = ServeClients.Connection(Cluster, port, user, PgTestUsers.TestDatabase);
            try
            {
                await connection.OpenAsync();
                opened = connection;
                return true;
            }
            catch (NpgsqlException)
            {
                await connection.DisposeAsync();
                return false;
            }
        }, Timeout, () => Read(output));
        return opened!;
    }

    private static async Task<int> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    // The built pgway next to the tests, through sh so that its open-files limit is lowered first
    // (soft and hard: pgway cannot raise it back); exec keeps the PID.
    private Process StartServe(StringBuilder output)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "pgway.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var start = new ProcessStartInfo("sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // A long start-up timeout, so the idle sockets are still there when the newcomers come.
        foreach (var argument in (string[])["-c", $"ulimit -n {DescriptorLimit} && exec \"$0\" \"$@\"", dotnet, dll, "serve", "-c", file, "--node", Entry,
                     "--no-agent", "--drain-timeout", "1", "--startup-timeout", "120"])
        {
            start.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = start };
        void Append(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        }
        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public void Dispose() => File.Delete(file);
}
