using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Pooling;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Switchover;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Switchover;

/// <summary>
/// A switchover without Patroni (pgway's agents answer the checks): under a pgbench write load through a pooled
/// primary service, the old primary is fenced (its sessions closed, read-only, kept out of the primary service
/// although its agent says primary) and the replica is promoted by SQL; writes go on on the new primary.
/// </summary>
public sealed partial class PromoteSwitchoverTests(ITestOutputHelper output) : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica), IDisposable
{
    private const int Port = 5442;
    private const string Service = "pg-test-primary";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly CollectingLoggerProvider logs = new();
    private LoggerFactory? logging;

    [Fact]
    public async Task Switchover_WithoutPatroni_OldPrimaryFencedReplicaPromotedNoFailedTransaction()
    {
        var (primary, replica) = (Cluster.Primary, Cluster.Instance(2));
        var (database, _) = await PoolerHarness.CreatePgbenchDatabaseAsync(Cluster, "promote_switchover");
        await Cluster.WaitForCatchUpAsync(replica);
        await using var host = await StartAsync();
        await using var direct = await Cluster.OpenConnectionAsync(primary);
        var pgbench = PoolerHarness.RunClientAsync(Cluster, "pgbench",
            ["-n", "-c", "20", "-j", "2", "-T", "15", "-h", replica.Address.ToString(), "-p", $"{Port}", "-U", PoolerHarness.User, database]);
        await Eventually.HoldsAsync(async () => pgbench.IsCompleted || await Cluster.ExecuteScalarAsync<long>(primary, "SELECT count(*) FROM pgbench_history", database: database) > 200, Timeout);
        Assert.False(pgbench.IsCompleted);

        var result = await host.SwitchoverAsync(Cluster.Name, replica.Name, SwitchoverOptions.Default, CancellationToken.None);

        output.WriteLine(string.Join('\n', result.Steps.Select(s => $"{s.Name,-9} at {s.At,8:0.0} ms took {s.Took,8:0.0} ms: {s.Detail}")));
        Assert.True(result.Succeeded, $"{result.Error}\n{Logs()}");
        Assert.Equal(("promote", primary.Name, replica.Name), (result.Method, result.OldPrimary, result.NewPrimary));
        var afterSwitch = await Cluster.ExecuteScalarAsync<long>(replica, "SELECT count(*) FROM pgbench_history", database: database);
        var bench = await pgbench.WaitAsync(Timeout);
        var atEnd = await Cluster.ExecuteScalarAsync<long>(replica, "SELECT count(*) FROM pgbench_history", database: database);
        output.WriteLine(bench.Describe());
        output.WriteLine($"pgbench_history on {replica.Name}: {afterSwitch} right after the switchover, {atEnd} at the end");

        // Pooled clients did not notice; writes went on on the new primary.
        Assert.True(bench.ExitCode == 0, $"{bench.Describe()}\n{Logs()}");
        Assert.Equal("0", FailedLine().Match(bench.StandardOutput).Groups[1].Value);
        Assert.True(atEnd > afterSwitch, $"no pgbench transaction committed on {replica.Name} after the switchover ({afterSwitch} → {atEnd})");
        Assert.False(await Cluster.ExecuteScalarAsync<bool>(replica, "SELECT pg_is_in_recovery()"));

        // The old primary: its sessions were closed, new ones are read-only.
        await using (var command = new NpgsqlCommand("SELECT 1", direct))
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => command.ExecuteScalarAsync());
        }
        Assert.Equal("on", await Cluster.ExecuteScalarAsync<string>(primary, "SHOW default_transaction_read_only"));
        var error = await Assert.ThrowsAsync<PostgresException>(() => Cluster.ExecuteNonQueryAsync(primary, "CREATE TABLE written_after_fence (id int)"));
        Assert.Equal("25006", error.SqlState);

        // Its agent says it is no primary (the fence is in its configuration), and it stays out: fenced (MAINT)
        // until an operator clears it.
        var old = host.Monitor.Find(Service, primary.Name)!;
        var fencedAt = DateTimeOffset.UtcNow;
        await Eventually.HoldsAsync(() => old.Snapshot.LastResult is { Code: 503 } last && last.CompletedAt > fencedAt, Timeout, () => $"{old.Snapshot.Status} {old.Snapshot.LastResult}");
        Assert.Equal(("MAINT", false), (old.Snapshot.Status, old.Snapshot.IsUp));
        Assert.True(host.Monitor.Find(Service, replica.Name)!.Snapshot.IsUp);
        Assert.Contains(host.SwitchoverState(), row => row.Kind == "fenced" && row.Name == primary.Name);
        Assert.StartsWith("switched over by pgway", await Cluster.ExecuteScalarAsync<string>(primary, "SELECT current_setting('pgway.fenced')"), StringComparison.Ordinal);
        Assert.Equal($"{replica.Name} is not fenced", await host.UnfenceAsync(replica.Name, force: false, CancellationToken.None));

        // Unfenced while the new primary is up: refused; forced: the fence goes from the instance too.
        Assert.StartsWith($"refused: {replica.Name} is a primary", await host.UnfenceAsync(primary.Name, force: false, CancellationToken.None), StringComparison.Ordinal);
        Assert.Contains(host.SwitchoverState(), row => row.Kind == "fenced" && row.Name == primary.Name);
        Assert.Null(await host.UnfenceAsync(primary.Name, force: true, CancellationToken.None));
        Assert.DoesNotContain(host.SwitchoverState(), row => row.Kind == "fenced");
        Assert.Equal("", await Cluster.ExecuteScalarAsync<string>(primary, "SELECT coalesce(current_setting('pgway.fenced', true), '')"));
        Assert.Equal("off", await Cluster.ExecuteScalarAsync<string>(primary, "SHOW default_transaction_read_only"));
    }

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedLine();

    private string Logs() => string.Join('\n', logs.Lines.Where(l => l.Level >= LogLevel.Information && !l.Category.Contains("Pooler", StringComparison.Ordinal)).Select(l => $"{l.Level} {l.Category}: {l.Message}").TakeLast(60));

    // pgway's agent on every node (no Patroni): the pooled primary service checked by the agent's /primary.
    private async Task<GatewayHost> StartAsync()
    {
        var yaml = Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_admin_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Dba)}'"),
            new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
            new("pgbouncer_poolmode", "transaction"),
            new("pgbouncer_default_pool_size", "10"),
            new("pg_default_services", $"[{{name: primary, port: {Port}, ip: '{Cluster.Instance(2).Address}', dest: pool, selector: '[]', check: /primary, " +
                "options: 'inter 500ms fastinter 200ms downinter 500ms rise 2 fall 3'}]"),
        ]);
        var inventory = InventoryLoader.LoadText(yaml, "promote-switchover.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var options = new GatewayOptions([.. Cluster.Instances.Select(i => i.Address.ToString())], RunAgents: true,
            HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty) { RunPoolers = false, RunAdmin = false };
        logging = new LoggerFactory([logs]);
        var host = await GatewayHost.StartAsync(inventory.Topology!, options, TimeProvider.System, logging, CancellationToken.None);
        await Eventually.HoldsAsync(() => host.Monitor.Members.All(m => m.Snapshot.LastResult is not null && m.Snapshot.IsUp == (m.Member.Name == Cluster.Primary.Name)),
            Timeout, () => string.Join("; ", host.Monitor.Members.Select(m => $"{m.Member.Name} {m.Snapshot.Status} {m.Snapshot.LastResult}")));
        return host;
    }

    public void Dispose() => logging?.Dispose();
}
