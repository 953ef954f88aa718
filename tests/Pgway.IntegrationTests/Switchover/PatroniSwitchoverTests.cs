using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pgway.Cli;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.LocalPostgres;
using Pgway.Routing;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Switchover;

/// <summary>
/// Planned switchovers of a real Patroni cluster under a pgbench write load (20 clients, transaction pooling,
/// through a <c>dest: pool</c> primary service): by <c>pgway switchover</c>, which holds the pooled clients so
/// none fails, and by <c>patronictl switchover</c>, which pgway only follows (its failures are reported).
/// </summary>
public sealed partial class PatroniSwitchoverTests(ITestOutputHelper output) : FreshPatroniTestClusterPerTest(), IDisposable
{
    private const int Port = 15491;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-switchover-{Guid.NewGuid():N}.yml");
    // Where the admin endpoint writes its token (the inventory gives no admin credentials) and `pgway switchover` reads it.
    private readonly string runtimeDirectory = Path.Combine(Path.GetTempPath(), $"pgway-switchover-token-{Guid.NewGuid():N}");
    private readonly CollectingLoggerProvider logs = new();
    private LoggerFactory? logging;

    [Fact]
    public async Task PgwaySwitchover_PgbenchWriting_NoFailedTransactionWritesOnTheNewPrimary()
    {
        var (oldLeader, candidate) = (Cluster.Node(1), Cluster.Node(2));
        var database = await CreatePgbenchDatabaseAsync();
        await using var host = await StartAsync();
        var pgbench = RunPgbench(database, seconds: 25);
        await UntilWritingAsync(pgbench, oldLeader, database);

        using var cliOutput = new StringWriter();
        using var cliError = new StringWriter();
        var code = await PgwayCommand.RunAsync(
            ["switchover", "--cluster", Cluster.Name, "--to", candidate.Name, "--url", $"http://{oldLeader.Address}:{AdminPort}", "--wait-timeout", "10", "--runtime-dir", runtimeDirectory],
            CliContext.ForWriters(cliOutput, cliError));
        output.WriteLine(cliOutput.ToString());
        Assert.True(code == 0, $"{cliError}\n{Logs()}");
        var afterSwitch = await HistoryAsync(candidate, database);
        var result = await pgbench.WaitAsync(Timeout);
        var atEnd = await HistoryAsync(candidate, database);

        output.WriteLine(result.Describe());
        output.WriteLine($"pgbench_history on {candidate.Name}: {afterSwitch} right after the switchover, {atEnd} at the end");
        Assert.True(result.ExitCode == 0, $"{result.Describe()}\n{Logs()}");
        Assert.Equal("0", Failed(result.StandardOutput));
        Assert.DoesNotContain("aborted", result.StandardError, StringComparison.Ordinal);
        Assert.True(atEnd > afterSwitch, $"no pgbench transaction committed on {candidate.Name} after the switchover ({afterSwitch} → {atEnd})");
        Assert.True(await Cluster.ExecuteScalarAsync<bool>(candidate, "SELECT NOT pg_is_in_recovery()"));
        Assert.Contains(host.Status().Events, e => e.Message.StartsWith($"switchover of {Cluster.Name}: {candidate.Name} is the primary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PatronictlSwitchover_PgbenchWriting_FollowedAndFailuresReported()
    {
        var (oldLeader, candidate) = (Cluster.Node(1), Cluster.Node(2));
        var database = await CreatePgbenchDatabaseAsync();
        await using var host = await StartAsync();
        var pgbench = RunPgbench(database, seconds: 25);
        await UntilWritingAsync(pgbench, oldLeader, database);

        var clock = Stopwatch.StartNew();
        var switched = await Cluster.PatronictlAsync(["switchover", "--leader", oldLeader.Name, "--candidate", candidate.Name, "--force"]);
        Assert.True(switched.ExitCode == 0, switched.ToString());
        output.WriteLine($"patronictl switchover took {clock.ElapsedMilliseconds} ms");
        await Cluster.WaitForLeaderAsync(candidate);
        var afterSwitch = await HistoryAsync(candidate, database);
        var result = await pgbench.WaitAsync(Timeout);
        var atEnd = await HistoryAsync(candidate, database);

        output.WriteLine(result.Describe());
        var aborted = AbortedClient().Count(result.StandardError);
        var readOnly = result.StandardError.Split('\n').Count(l => l.Contains("read-only transaction", StringComparison.Ordinal));
        output.WriteLine($"patronictl switchover under pgbench -c 20: failed transactions {Failed(result.StandardOutput) ?? "?"}, aborted clients {aborted} ({readOnly} of them on a read-only server), exit code {result.ExitCode}");
        output.WriteLine($"pgbench_history on {candidate.Name}: {afterSwitch} right after the switchover, {atEnd} at the end");
        output.WriteLine(Logs());
        Assert.Contains("number of transactions actually processed", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(atEnd > afterSwitch, $"no pgbench transaction committed on {candidate.Name} after the switchover ({afterSwitch} → {atEnd})\n{Logs()}");
        // While Patroni had no leader the pooled service held new transactions, until the new leader took writes:
        // none met a server still promoting.
        Assert.True(logs.Has(LogLevel.Warning, "hold new transactions until a leader is back"), Logs());
        Assert.True(logs.Has(LogLevel.Information, $"new leader {candidate.Name} takes writes"), Logs());
        Assert.DoesNotContain("read-only transaction", result.StandardError, StringComparison.Ordinal);
    }

    private const int AdminPort = 9101;

    private async Task<string> CreatePgbenchDatabaseAsync()
    {
        var leader = Cluster.Node(1);
        var database = $"switchover_{Guid.NewGuid():N}";
        await Cluster.ExecuteNonQueryAsync(leader, $"CREATE DATABASE {database} OWNER {PgTestUsers.Meta}");
        var init = await PgCommandRunner.RunAsync(Cluster.Binaries.PathOf("pgbench"),
            ["-i", "-q", "-s", "1", "-h", leader.Address.ToString(), "-p", $"{PatroniTestCluster.PgPort}", "-U", PgTestUsers.Meta, database],
            Path.GetTempPath(), Environment(), Timeout, CancellationToken.None);
        Assert.True(init.Succeeded, init.Describe());
        await Cluster.WaitForCatchUpAsync(Cluster.Node(2));
        return database;
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["PGPASSWORD"] = Cluster.Credentials.PasswordFor(PgTestUsers.Meta),
        ["PGCONNECT_TIMEOUT"] = "15",
    };

    // TPC-B, 20 clients on two threads, through the pooled primary service.
    private Task<CommandResult> RunPgbench(string database, int seconds) =>
        PgCommandRunner.RunAsync(Cluster.Binaries.PathOf("pgbench"),
            ["-n", "-c", "20", "-j", "2", "-T", $"{seconds}", "-h", Cluster.Node(1).Address.ToString(), "-p", $"{Port}", "-U", PgTestUsers.Meta, database],
            Path.GetTempPath(), Environment(), Timeout, CancellationToken.None);

    private async Task UntilWritingAsync(Task<CommandResult> pgbench, PatroniNode leader, string database)
    {
        await Eventually.HoldsAsync(async () => pgbench.IsCompleted || await HistoryAsync(leader, database) > 200, Timeout);
        Assert.False(pgbench.IsCompleted, pgbench.IsCompleted ? (await pgbench).Describe() : "");
    }

    private Task<long> HistoryAsync(PatroniNode node, string database) =>
        Cluster.ExecuteScalarAsync<long>(node, "SELECT count(*) FROM pgbench_history", database: database);

    // "number of failed transactions: 0 (0.000%)"; null when pgbench printed no summary.
    private static string? Failed(string text) => FailedLine().Match(text) is { Success: true } match ? match.Groups[1].Value : null;

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedLine();

    [GeneratedRegex(@"client \d+ script \d+ aborted")]
    private static partial Regex AbortedClient();

    private string Logs() => string.Join('\n', logs.Lines.Where(l => l.Level >= LogLevel.Information).Where(l => !l.Category.Contains("Pooler", StringComparison.Ordinal) || l.Level >= LogLevel.Warning).Select(l => $"{l.Level} {l.Category}: {l.Message}").TakeLast(80));

    // The pooled primary service on node 1's address, checked by Patroni's /primary; the DCS watch from pg_dcs; the admin endpoint on node 1.
    private async Task<GatewayHost> StartAsync()
    {
        var password = Cluster.Credentials.PasswordFor(PgTestUsers.Meta);
        var yaml = Cluster.ToInventoryYaml([
            new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{password}', pgbouncer: true}}]"),
            new("pgbouncer_poolmode", "transaction"),
            new("pgbouncer_default_pool_size", "10"),
            new("haproxy_exporter_port", $"{AdminPort}"),
            new("pg_default_services", $"[{{name: primary, port: {Port}, ip: '{Cluster.Node(1).Address}', dest: pool, selector: '[]', check: /primary, " +
                "options: 'inter 1s fastinter 500ms downinter 1s rise 3 fall 3'}]"),
        ]);
        await File.WriteAllTextAsync(file, yaml);
        var loaded = InventoryLoader.LoadFile(file);
        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Errors));
        var options = new GatewayOptions([Cluster.Node(1).Address.ToString()], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty)
        {
            RunPoolers = false,
            AdminTokenDirectory = runtimeDirectory,
        };
        logging = new LoggerFactory([logs]);
        var host = await GatewayHost.StartAsync(loaded.Topology!, options, TimeProvider.System, logging, CancellationToken.None);
        var service = host.Clusters[0].Name + "-primary";
        await Eventually.HoldsAsync(() => host.Monitor.Find(service, Cluster.Node(1).Name)?.Snapshot is { IsUp: true, LastResult: not null }
            && host.Monitor.Find(service, Cluster.Node(2).Name)?.Snapshot.IsUp == false, Timeout,
            () => string.Join("; ", host.Monitor.Members.Select(m => $"{m.Service.FullName}/{m.Member.Name} {m.Snapshot.Status}")));
        return host;
    }

    public void Dispose()
    {
        File.Delete(file);
        if (Directory.Exists(runtimeDirectory))
        {
            Directory.Delete(runtimeDirectory, recursive: true);
        }
        logging?.Dispose();
    }
}
