using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Hosting;

/// <summary>
/// Stopping gracefully with sessions under way: GatewayHost.DrainAsync directly, and the real
/// `pgway serve` process reloaded by SIGHUP and drained by SIGTERM.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ServeDrainTests(PgTestClusterFixture fixture) : IAsyncLifetime, IDisposable
{
    private const int Port = 15461;
    private const int OtherPort = 15462;
    private const int PoolerPort = 16461;
    private const string Table = "pgway_drain_test";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-drain-{Guid.NewGuid():N}.yml");

    private PgTestCluster Cluster => fixture.Cluster;

    private string Entry => Cluster.Primary.Address.ToString();

    public async Task InitializeAsync()
    {
        await using var connection = new NpgsqlConnection(Cluster.ConnectionStringBuilder(Cluster.Primary, PgTestUsers.Dba, PgTestUsers.TestDatabase).ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP TABLE IF EXISTS {Table}; CREATE TABLE {Table} (tag text); GRANT ALL ON {Table} TO PUBLIC", connection);
        await command.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private string Service(string name, int port) =>
        $"{{name: {name}, port: {port}, ip: '{Entry}', dest: postgres, selector: '[? pg_role == `primary`]', check: /primary, check_method: postgres, " +
        "options: 'inter 1s fastinter 500ms rise 1 fall 3'}";

    private string Inventory(params string[] services) => Cluster.ToInventoryYaml([
        new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
        new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
        new("pgbouncer_port", PoolerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("pg_default_services", $"[{string.Join(", ", services)}]"),
    ]);

    private NpgsqlConnection Connection(int port, string user = PgTestUsers.Dba) => ServeClients.Connection(Cluster, port, user, PgTestUsers.TestDatabase);

    private static Task ExecuteAsync(NpgsqlConnection connection, string sql) => ServeClients.ExecuteAsync(connection, sql);

    private async Task<long> CountAsync(string tag)
    {
        await using var connection = Connection(Cluster.Primary.Port);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {Table} WHERE tag = '{tag}'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private Task<bool> AcceptsAsync(int port) => ServeClients.AcceptsAsync(Cluster.Primary.Address, port);

    [Fact]
    public async Task Drain_TransactionsUnderWay_PortsCloseTransactionsCommitThenClientsAreTold()
    {
        await File.WriteAllTextAsync(file, Inventory(Service("drain", Port)));
        var loaded = InventoryLoader.LoadFile(file);
        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Errors));
        var options = new GatewayOptions([Entry], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty) { RunAdmin = false };
        await using var host = await GatewayHost.StartAsync(loaded.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        await Eventually.HoldsAsync(() => host.Snapshot().Single().IsUp, Timeout);
        // A pooled client in a transaction, an idle pooled client, and a spliced session in a transaction.
        await using var pooled = Connection(PoolerPort, PgTestUsers.Meta);
        await pooled.OpenAsync();
        await ExecuteAsync(pooled, "BEGIN");
        await ExecuteAsync(pooled, $"INSERT INTO {Table} VALUES ('pooled')");
        await using var idle = Connection(PoolerPort, PgTestUsers.Meta);
        await idle.OpenAsync();
        await using var spliced = Connection(Port);
        await spliced.OpenAsync();
        await ExecuteAsync(spliced, "BEGIN");
        await ExecuteAsync(spliced, $"INSERT INTO {Table} VALUES ('spliced')");

        var draining = host.DrainAsync(TimeSpan.FromMinutes(5), CancellationToken.None);

        await Eventually.HoldsAsync(async () => !await AcceptsAsync(Port) && !await AcceptsAsync(PoolerPort), Timeout);
        // The idle pooled client is told at once; the one in a transaction finishes it first.
        await Eventually.HoldsAsync(() => idle.FullState.HasFlag(System.Data.ConnectionState.Broken) || host.Poolers.Single().Clients == 1, Timeout);
        await ExecuteAsync(pooled, $"INSERT INTO {Table} VALUES ('pooled')");
        await ExecuteAsync(pooled, "COMMIT");
        var told = await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecuteAsync(pooled, "SELECT 1"));
        Assert.True(told is PostgresException { SqlState: "57P01" } || told.InnerException is PostgresException { SqlState: "57P01" } || pooled.FullState.HasFlag(System.Data.ConnectionState.Broken), told.ToString());
        Assert.False(draining.IsCompleted);
        await ExecuteAsync(spliced, "COMMIT");
        await spliced.CloseAsync();

        Assert.True(await draining.WaitAsync(Timeout));
        Assert.Equal(2, await CountAsync("pooled"));
        Assert.Equal(1, await CountAsync("spliced"));
    }

    [Fact]
    public async Task ServeProcess_SighupThenSigterm_ReloadsThenDrainsAndExitsZero()
    {
        await File.WriteAllTextAsync(file, Inventory(Service("drain", Port)));
        var output = new StringBuilder();
        using var process = StartServe(output);
        try
        {
            await Eventually.HoldsAsync(() => Read(output).Contains("Ctrl-C to stop", StringComparison.Ordinal), Timeout, () => Read(output));
            await using var session = Connection(Port);
            await Eventually.HoldsAsync(async () =>
            {
                try
                {
                    await session.OpenAsync();
                    return true;
                }
                catch (NpgsqlException)
                {
                    return false;
                }
            }, Timeout, () => Read(output));
            await ExecuteAsync(session, "BEGIN");
            await ExecuteAsync(session, $"INSERT INTO {Table} VALUES ('process')");

            // SIGHUP after editing the file: the new service opens.
            await File.WriteAllTextAsync(file, Inventory(Service("drain", Port), Service("drain2", OtherPort)));
            Assert.Equal(0, Kill(process.Id, SigHup));
            await Eventually.HoldsAsync(() => AcceptsAsync(OtherPort), Timeout, () => Read(output));

            // SIGTERM: the ports close, the transaction under way still commits, and the process exits once it ends.
            Assert.Equal(0, Kill(process.Id, SigTerm));
            await Eventually.HoldsAsync(async () => !await AcceptsAsync(Port) && !await AcceptsAsync(OtherPort), Timeout, () => Read(output));
            Assert.False(process.HasExited);
            await ExecuteAsync(session, $"INSERT INTO {Table} VALUES ('process')");
            await ExecuteAsync(session, "COMMIT");
            await session.CloseAsync();

            await Eventually.HoldsAsync(() => process.HasExited, Timeout, () => Read(output));
            // Its last line read, without waiting on the pipes themselves.
            await Eventually.HoldsAsync(() => Read(output).Contains("pgway stopped", StringComparison.Ordinal), Timeout, () => Read(output));
            Assert.True(process.ExitCode == 0, Read(output));
            Assert.Equal(2, await CountAsync("process"));
            var log = Read(output);
            Assert.Contains("reload applied", log, StringComparison.Ordinal);
            Assert.Contains("draining", log, StringComparison.Ordinal);
            Assert.Contains("drained", log, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                // Only the process this test started, by its id.
                process.Kill(entireProcessTree: false);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
    }

    [Fact]
    public async Task ServeProcess_StartedWithSighupAndSigintIgnored_StillReloadsAndDrainsOnThem()
    {
        // As nohup leaves SIGHUP, and a script's background job SIGINT (CI ran the tests so once):
        // .NET keeps an inherited SIG_IGN, so serve must take its signals back itself.
        await File.WriteAllTextAsync(file, Inventory(Service("drain", Port)));
        var output = new StringBuilder();
        using var process = StartServe(output, ignoring: [SigHup, SigInt]);
        try
        {
            await Eventually.HoldsAsync(() => Read(output).Contains("Ctrl-C to stop", StringComparison.Ordinal), Timeout, () => Read(output));

            await File.WriteAllTextAsync(file, Inventory(Service("drain", Port), Service("drain2", OtherPort)));
            Assert.Equal(0, Kill(process.Id, SigHup));
            await Eventually.HoldsAsync(() => AcceptsAsync(OtherPort), Timeout, () => Read(output));

            Assert.Equal(0, Kill(process.Id, SigInt));
            await Eventually.HoldsAsync(() => process.HasExited, Timeout, () => Read(output));
            await Eventually.HoldsAsync(() => Read(output).Contains("pgway stopped", StringComparison.Ordinal), Timeout, () => Read(output));
            Assert.True(process.ExitCode == 0, Read(output));
            var log = Read(output);
            Assert.Contains("reload applied", log, StringComparison.Ordinal);
            Assert.Contains("drained", log, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
    }

    private const string SigHup = "HUP";
    private const string SigInt = "INT";
    private const string SigTerm = "TERM";

    // kill(1), as systemd's ExecReload does.
    private static int Kill(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-s", signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode;
    }

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    // The built pgway next to the tests, run by the same dotnet as the tests; with `ignoring`, through
    // sh's trap '' and exec, so pgway (the same PID) starts with those signals ignored.
    private Process StartServe(StringBuilder output, IReadOnlyList<string>? ignoring = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "pgway.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var start = new ProcessStartInfo(ignoring is null ? dotnet : "sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] prefix = ignoring is null ? [] : ["-c", $"trap '' {string.Join(' ', ignoring)}; exec \"$0\" \"$@\"", dotnet];
        foreach (var argument in (string[])[.. prefix, dll, "serve", "-c", file, "--node", Entry, "--no-agent", "--no-admin", "--no-pooler", "--drain-timeout", "300"])
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
