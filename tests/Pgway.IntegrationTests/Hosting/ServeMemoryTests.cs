using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pgway.IntegrationTests.Pooling;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Hosting;

/// <summary>
/// What a hostile logged-in client can make a real `pgway serve` process hold: its resident memory
/// (VmRSS, as the kernel counts it) stays bounded by the per-client limits while the client is
/// connected, and falls back near where it was once the client has gone.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ServeMemoryTests(PgTestClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper log) : IDisposable
{
    private const int Port = 15497;
    private const int PoolerPort = 16497;
    private const int Parses = 200;
    private const int ParseBytes = 256 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // What may stay after the client left: the definitions its limit let in (16 MiB, still in the
    // server's statement cache, which other clients share) and the runtime's slack. Today's
    // unbounded pooler kept three copies of every definition: 150 MB for these 50 MB of Parses.
    private const long RetainedBound = 64L * 1024 * 1024;

    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-memory-{Guid.NewGuid():N}.yml");

    private PgTestCluster Cluster => fixture.Cluster;

    private string Entry => Cluster.Primary.Address.ToString();

    private string Inventory() => Cluster.ToInventoryYaml([
        new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
        new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
        new("pgbouncer_port", PoolerPort.ToString(CultureInfo.InvariantCulture)),
        new("pgbouncer_auth_type", "trust"),
        new("pg_default_services", $"[{{name: memory, port: {Port}, ip: '{Entry}', dest: postgres, selector: '[? pg_role == `primary`]', check: /primary, check_method: postgres, options: 'inter 1s fastinter 500ms rise 1 fall 3'}}]"),
    ]);

    [Fact]
    public async Task HostileClient_ManyLargeNamedParsesThenGone_ResidentMemoryBoundedAndBackNearBaseline()
    {
        await File.WriteAllTextAsync(file, Inventory());
        var output = new StringBuilder();
        using var process = StartServe(output);
        try
        {
            await Eventually.HoldsAsync(() => Read(output).Contains("Ctrl-C to stop", StringComparison.Ordinal), Timeout, () => Read(output));
            var endPoint = new System.Net.IPEndPoint(Cluster.Primary.Address, PoolerPort);
            await Eventually.HoldsAsync(() => ServeClients.AcceptsAsync(Cluster.Primary.Address, PoolerPort), Timeout, () => Read(output));

            // A well-behaved client first, so that what a first client costs (code, pools) is in the baseline.
            using (var warm = await WireClient.LogInAsync(endPoint, PoolerHarness.User, PoolerHarness.Database, Timeout))
            {
                await warm.SendAsync(WireClient.Parse("w", "SELECT 1"), WireClient.Bind("w"), WireClient.Execute(), WireClient.Sync());
                await warm.ReadUntilReadyAsync();
            }
            var baseline = ResidentBytes(process.Id);

            var refused = 0;
            long peak = 0;
            using (var hostile = await WireClient.LogInAsync(endPoint, PoolerHarness.User, PoolerHarness.Database, Timeout))
            {
                for (var i = 0; i < Parses; i++)
                {
                    // Distinct texts: nothing to share.
                    var text = $"SELECT '{i}{new string('x', ParseBytes)}'";
                    await hostile.SendAsync(WireClient.Parse($"h{i}", text), WireClient.Sync());
                    var answer = await hostile.ReadUntilReadyAsync();
                    refused += answer.Errors.Count(e => e == "54000");
                    peak = Math.Max(peak, ResidentBytes(process.Id));
                }
            }
            // Gone: what it held is given back, and the runtime returns it to the system.
            await Eventually.HoldsAsync(() => ResidentBytes(process.Id) < baseline + RetainedBound, TimeSpan.FromSeconds(30),
                () => $"VmRSS {Mib(ResidentBytes(process.Id))} MiB, baseline {Mib(baseline)} MiB, peak while connected {Mib(peak)} MiB");
            Assert.True(refused > 0, "no Parse was refused: the client's limits did not apply");
            log.WriteLine($"VmRSS: baseline {Mib(baseline)} MiB, peak while connected {Mib(peak)} MiB, after {Mib(ResidentBytes(process.Id))} MiB; {refused} of {Parses} Parses refused");
            Assert.False(process.HasExited, Read(output));
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

    private static long Mib(long bytes) => bytes / (1024 * 1024);

    // VmRSS from /proc/<pid>/status, in bytes.
    private static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kib = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    // The built pgway next to the tests, run by the same dotnet as the tests, with its pooler.
    private Process StartServe(StringBuilder output)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "pgway.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[dll, "serve", "-c", file, "--node", Entry, "--no-agent", "--no-admin"])
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
