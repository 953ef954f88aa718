using System.Diagnostics;
using System.Net;
using Pgway.Cli;
using Pgway.Configuration;
using Pgway.IntegrationTests.Testing;
using Pgway.Rendering;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Agent;

/// <summary>
/// The haproxy.cfg pgway renders, run by the real HAProxy, with `pgway agent` answering its checks
/// for instances that have no Patroni: the primary service reaches the primary, the replica service a replica.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class HaproxyWithAgentTests(PgTestClusterFixture fixture) : IDisposable
{
    private readonly System.Text.StringBuilder haproxyLog = new();

    private readonly string directory = Directory.CreateTempSubdirectory("pgway-haproxy-").FullName;

    private PgTestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Haproxy_ChecksAgainstPgwayAgent_RoutesServicesByRole()
    {
        // dest postgres: there is no pooler yet on the nodes, so services go straight to PostgreSQL.
        var inventory = Path.Combine(directory, "pg-test.yml");
        await File.WriteAllTextAsync(inventory, Cluster.ToInventoryYaml([
            new("pg_default_service_dest", "postgres"),
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
        ]));
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        string[] args = ["agent", "-c", inventory, .. Cluster.Instances.SelectMany(i => new[] { "--node", i.Address.ToString() })];
        var agent = Task.Run(() => PgwayCommand.RunAsync(args, CliContext.ForWriters(TextWriter.Synchronized(output), TextWriter.Synchronized(output)), stop.Token));
        try
        {
            foreach (var instance in Cluster.Instances)
            {
                Assert.Equal(instance == Cluster.Primary ? 200 : 503, await TestAgents.WaitForStatusAsync(instance, "/primary", instance == Cluster.Primary ? 200 : 503));
            }
            var entry = Cluster.Primary.Address;
            using var haproxy = StartHaproxy(inventory, entry);
            try
            {
                await WaitForRoutingAsync(haproxy, entry, 5433, Cluster.Primary.Address, inRecovery: false);

                // Every new connection to the primary service lands on the primary.
                for (var i = 0; i < 10; i++)
                {
                    Assert.Equal((Cluster.Primary.Address, false), await WhereAsync(entry, 5433));
                }
                // The replica service reaches its one active member; the primary and the offline replica are backups.
                await WaitForRoutingAsync(haproxy, entry, 5434, Cluster.Instance(2).Address, inRecovery: true);
                // The offline service reaches the offline replica.
                await WaitForRoutingAsync(haproxy, entry, 5438, Cluster.Instance(3).Address, inRecovery: true);
            }
            finally
            {
                haproxy.Kill(entireProcessTree: true);
                await haproxy.WaitForExitAsync();
            }
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await agent);
        }
        Assert.Contains("answering on http://", output.ToString(), StringComparison.Ordinal);
    }

    private Process StartHaproxy(string inventory, IPAddress entry)
    {
        var topology = InventoryLoader.LoadFile(inventory).Topology!;
        var config = HaproxyConfigRenderer.Render(topology.Clusters, topology.SourceFile, Cluster.Name)
            // One machine hosts every test: listen on the primary's address only, in the foreground,
            // within the test process's open-files limit (a packaged HAProxy gets its own from systemd).
            .Replace("bind *:", $"bind {entry}:", StringComparison.Ordinal)
            .Replace("    maxconn 65535\n", "    maxconn 2000\n", StringComparison.Ordinal)
            .Replace("    daemon\n", "", StringComparison.Ordinal);
        var file = Path.Combine(directory, "haproxy.cfg");
        File.WriteAllText(file, config);
        var haproxy = new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("haproxy is not installed: apt-get install -y haproxy (.ci/run does this)");
        var info = new ProcessStartInfo(haproxy) { ArgumentList = { "-db", "-f", file }, RedirectStandardError = true, RedirectStandardOutput = true };
        var process = Process.Start(info)!;
        process.ErrorDataReceived += (_, e) => { lock (haproxyLog) { haproxyLog.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (haproxyLog) { haproxyLog.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    private async Task<(IPAddress Address, bool InRecovery)> WhereAsync(IPAddress entry, int port)
    {
        var builder = Cluster.ConnectionStringBuilder(Cluster.Primary, PgTestUsers.Dba);
        builder.Host = entry.ToString();
        builder.Port = port;
        await using var connection = new Npgsql.NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT inet_server_addr(), pg_is_in_recovery()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetFieldValue<IPAddress>(0), reader.GetBoolean(1));
    }

    // HAProxy counts every server up until its first check: wait for the checks to have spoken,
    // i.e. ten answers in a row from the expected instance.
    private async Task WaitForRoutingAsync(Process haproxy, IPAddress entry, int port, IPAddress expected, bool inRecovery)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var streak = 0;
        object? last = null;
        while (streak < 10)
        {
            Assert.False(haproxy.HasExited, $"HAProxy exited:\n{haproxyLog}");
            Assert.True(DateTime.UtcNow < deadline, $"HAProxy on {entry}:{port} did not settle on {expected}; last: {last}\n{haproxyLog}");
            try
            {
                var where = await WhereAsync(entry, port);
                last = where;
                streak = where.Address.Equals(expected) && where.InRecovery == inRecovery ? streak + 1 : 0;
            }
            catch (Npgsql.NpgsqlException e)
            {
                // Not listening yet.
                last = e.Message;
                streak = 0;
                await Task.Delay(50);
            }
        }
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
