using System.Diagnostics;
using System.Net;
using System.Text;
using Npgsql;
using Pgway.Configuration;
using Pgway.Rendering;

namespace Pgway.IntegrationTests.Agent;

/// <summary>
/// Real HAProxy running the haproxy.cfg pgway renders for an inventory, listening on one entry
/// address, and the client's view of where each service port leads.
/// </summary>
internal sealed class RenderedHaproxy : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();
    private readonly IPAddress entry;
    private readonly NpgsqlConnectionStringBuilder login;

    private RenderedHaproxy(Process process, IPAddress entry, NpgsqlConnectionStringBuilder login)
    {
        this.process = process;
        this.entry = entry;
        this.login = login;
    }

    /// <param name="login">Credentials for the test's own connections through HAProxy.</param>
    public static RenderedHaproxy Start(string inventory, string cluster, IPAddress entry, NpgsqlConnectionStringBuilder login, string directory)
    {
        var topology = InventoryLoader.LoadFile(inventory).Topology!;
        var config = HaproxyConfigRenderer.Render(topology.Clusters, topology.SourceFile, cluster)
            // One machine hosts every test: listen on one address only, in the foreground, within
            // the test process's open-files limit (a packaged HAProxy gets its own from systemd).
            .Replace("bind *:", $"bind {entry}:", StringComparison.Ordinal)
            .Replace("    maxconn 65535\n", "    maxconn 2000\n", StringComparison.Ordinal)
            .Replace("    daemon\n", "", StringComparison.Ordinal);
        var file = Path.Combine(directory, "haproxy.cfg");
        File.WriteAllText(file, config);
        var haproxy = new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("haproxy is not installed: apt-get install -y haproxy (.ci/run does this)");
        var info = new ProcessStartInfo(haproxy) { ArgumentList = { "-db", "-f", file }, RedirectStandardError = true, RedirectStandardOutput = true };
        var started = new RenderedHaproxy(Process.Start(info)!, entry, login);
        started.process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        started.process.OutputDataReceived += (_, e) => started.Append(e.Data);
        started.process.BeginErrorReadLine();
        started.process.BeginOutputReadLine();
        return started;
    }

    /// <summary>What HAProxy logged (server state changes with their reasons).</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>Where a new connection to the service port lands: the server's address and whether it is in recovery.</summary>
    public async Task<(IPAddress Address, bool InRecovery)> WhereAsync(int port)
    {
        var builder = new NpgsqlConnectionStringBuilder(login.ConnectionString) { Host = entry.ToString(), Port = port };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT inet_server_addr(), pg_is_in_recovery()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetFieldValue<IPAddress>(0), reader.GetBoolean(1));
    }

    /// <summary>
    /// Waits until ten new connections in a row land on the expected server (HAProxy counts every
    /// server up until its first check, and follows changes at its own pace); returns how long it took.
    /// </summary>
    public async Task<TimeSpan> WaitForRoutingAsync(int port, IPAddress expected, bool inRecovery, int timeoutSeconds = 30)
    {
        var watch = Stopwatch.StartNew();
        var streak = 0;
        object? last = null;
        while (streak < 10)
        {
            Assert.False(process.HasExited, $"HAProxy exited:\n{Log}");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(timeoutSeconds), $"HAProxy on {entry}:{port} did not settle on {expected}; last: {last}\n{Log}");
            try
            {
                var where = await WhereAsync(port);
                last = where;
                streak = where.Address.Equals(expected) && where.InRecovery == inRecovery ? streak + 1 : 0;
            }
            catch (NpgsqlException e)
            {
                // Not listening yet, or no server up for the service right now.
                last = e.Message;
                streak = 0;
                await Task.Delay(50);
            }
        }
        return watch.Elapsed;
    }

    private void Append(string? line)
    {
        lock (log)
        {
            log.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync();
        process.Dispose();
    }
}
