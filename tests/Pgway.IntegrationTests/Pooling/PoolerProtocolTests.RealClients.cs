using System.Globalization;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

// psql and pgbench, the clients people point at a pooler first, run as processes.
public sealed partial class PoolerProtocolTests
{
    [Fact]
    public async Task Psql_StatementsAndCopyOut_RightOutputAndFile()
    {
        Start("transaction", poolSize: 1);
        var directory = Directory.CreateTempSubdirectory("pgway-psql-");
        cleanups.Add(() =>
        {
            directory.Delete(recursive: true);
            return Task.CompletedTask;
        });
        var csv = Path.Combine(directory.FullName, "out.csv");
        var script = Path.Combine(directory.FullName, "script.sql");
        await File.WriteAllTextAsync(script, $"""
            SELECT 40 + 2 AS answer;
            BEGIN;
            SET LOCAL application_name = 'psql-through-pgway';
            SELECT current_setting('application_name');
            COMMIT;
            SELECT current_user || '@' || current_database();
            \copy (SELECT g, 'line ' || g FROM generate_series(1, 20000) AS g) TO '{csv}' WITH (FORMAT csv)
            SELECT 'done';
            """);

        var result = await RunClientAsync("psql",
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", Host, "-p", Port, "-U", User, "-d", Database, "-f", script]);

        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal(["42", "psql-through-pgway", $"{User}@{Database}", "done"], result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.Equal(Enumerable.Range(1, 20000).Select(g => $"{g},line {g}"), lines);
        await EveryServerIdleAsync();
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("extended")]
    public async Task Pgbench_SelectOnlyThroughThePooler_EveryTransactionProcessedNoneFailed(string protocol)
    {
        const int Clients = 8;
        const int TransactionsPerClient = 200;
        var (database, drop) = await PoolerHarness.CreatePgbenchDatabaseAsync(Cluster, "pooler_pgbench");
        cleanups.Add(drop);
        Start("transaction", poolSize: 4);

        var result = await RunClientAsync("pgbench",
            ["-n", "-S", "-c", $"{Clients}", "-j", "2", "-t", $"{TransactionsPerClient}", "-M", protocol, "-h", Host, "-p", Port, "-U", User, database]);

        Assert.True(result.Succeeded, result.Describe());
        var processed = Clients * TransactionsPerClient;
        Assert.Contains($"number of transactions actually processed: {processed}/{processed}\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("number of failed transactions: 0 (0.000%)", result.StandardOutput, StringComparison.Ordinal);
        Assert.InRange(Running!.ServerCounts(database, User).Total, 1, 4);
        await EveryServerIdleAsync(database);
    }

    [Fact]
    public async Task Psql_CtrlCDuringPgSleep_CancelledThroughThePooler()
    {
        Start("transaction", poolSize: 1);
        var start = new System.Diagnostics.ProcessStartInfo(Cluster.Binaries.PathOf("psql"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["PGPASSWORD"] = Cluster.Credentials.PasswordFor(User), ["PGCONNECT_TIMEOUT"] = "15" },
        };
        foreach (var argument in (string[])["-X", "-h", Host, "-p", Port, "-U", User, "-d", Database, "-c", "SELECT pg_sleep(60)"])
        {
            start.ArgumentList.Add(argument);
        }
        using var psql = System.Diagnostics.Process.Start(start)!;
        try
        {
            var errors = psql.StandardError.ReadToEndAsync();
            await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<bool>(Cluster.Primary,
                "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active')"), TimeSpan.FromSeconds(30));

            // What Ctrl-C does: psql sends a CancelRequest with the key pgway gave it.
            using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", psql.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            await psql.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.NotEqual(0, psql.ExitCode);
            Assert.Contains("canceling statement due to user request", await errors, StringComparison.Ordinal);
            await EveryServerIdleAsync();
        }
        finally
        {
            if (!psql.HasExited)
            {
                psql.Kill();
            }
        }
    }

    private string Host => Running!.LocalEndPoint.Address.ToString();

    private string Port => Running!.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture);

    private Task<CommandResult> RunClientAsync(string program, IReadOnlyList<string> arguments) =>
        PoolerHarness.RunClientAsync(Cluster, program, arguments);
}
