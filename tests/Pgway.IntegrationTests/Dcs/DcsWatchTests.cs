using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.Dcs;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Dcs;

/// <summary>
/// pgway's watch of Patroni's leader key against real Patroni and etcd: a switchover moves the primary service
/// the moment the key changes (the checks are far too slow to explain it), and etcd going away and coming back
/// is reported while the checks keep routing.
/// </summary>
// retry_timeout 20 (ttl 60): the leader demotes itself once it cannot renew its lock for that long, and
// the etcd test keeps etcd down for several seconds on a loaded machine; with 5 the primary was
// sometimes demoted before the test's query through the service.
public sealed class DcsWatchTests(ITestOutputHelper output) : FreshPatroniTestClusterPerTest(new PatroniTestClusterOptions { Ttl = 60, RetryTimeout = 20 }), IDisposable
{
    private const int Port = 15481;
    private const string PrimaryService = "pg-test-primary";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-dcs-{Guid.NewGuid():N}.yml");
    private readonly CollectingLoggerProvider logs = new();

    [Fact]
    public async Task Switchover_LeaderKeyChanges_PrimaryServiceFollowsAtOnceByDcs()
    {
        // Checks every minute: within this test only the watch can move a member after the first check.
        await using var host = await StartAsync("inter 60s fastinter 60s downinter 60s rise 3 fall 3");
        var watch = Assert.Single(host.DcsWatches);
        // A replica's member key says "uninitialized" until its Patroni has seen it streaming: wait for its role too.
        string[] Roles() => [.. watch.Members.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Value == "primary" ? "master" : m.Value)];
        await Eventually.HoldsAsync(() => watch.IsConnected && watch.Leader == "pg-test-1" && IsUp("pg-test-1") && !IsUp("pg-test-2") && Roles() is ["master", "replica"], Timeout,
            () => $"{Describe(host)()}; roles {string.Join(", ", Roles())}");

        // An independent client of the same etcd: when the key changed, as any watcher saw it.
        var clock = Stopwatch.StartNew();
        var keySeen = new ConcurrentQueue<(string? Leader, TimeSpan At)>();
        var config = host.Clusters[0].Dcs!;
        await using var observer = new DcsWatch(Cluster.Name, config, change => keySeen.Enqueue((change.Leader, clock.Elapsed)), DcsWatchOptions.Default, TimeProvider.System, NullLogger<DcsWatch>.Instance);
        observer.Start();
        await Eventually.HoldsAsync(() => observer.Leader == "pg-test-1", Timeout);
        var changes = new ConcurrentQueue<(HealthEvent Event, TimeSpan At)>();
        host.Monitor.StateChanged += change => changes.Enqueue((change, clock.Elapsed));
        var noLeaderSeen = 0;
        watch.LeaderChanged += change => Interlocked.Exchange(ref noLeaderSeen, change.HasLeader ? noLeaderSeen : 1);
        var epochBefore = watch.LeaderEpoch;

        var result = await Cluster.PatronictlAsync(["switchover", "--leader", "pg-test-1", "--candidate", "pg-test-2", "--force"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        await Cluster.WaitForLeaderAsync(Cluster.Node(2));

        await Eventually.HoldsAsync(() => IsUp("pg-test-2") && !IsUp("pg-test-1"), Timeout, Describe(host));
        var up = changes.Last(c => c.Event.Service == PrimaryService && c.Event.Member == "pg-test-2" && c.Event.To == MemberHealthState.Up);
        var down = changes.First(c => c.Event.Service == PrimaryService && c.Event.Member == "pg-test-1" && c.Event.To == MemberHealthState.Down);
        Assert.Equal(CheckStatus.Dcs, up.Event.Result.Status);
        Assert.Equal(CheckStatus.Dcs, down.Event.Result.Status);
        Assert.Equal("leader is pg-test-2", up.Event.Result.Detail);
        // Patroni's switchover releases the key before the candidate takes it: for a moment there was no leader.
        Assert.Equal(1, Volatile.Read(ref noLeaderSeen));
        Assert.Equal("no leader in the DCS", down.Event.Result.Detail);
        Assert.Equal("pg-test-2", watch.Leader);
        // Counted once for the release, once for the new key: what a VIP keeper reads to know it missed no leader between.
        Assert.Equal(epochBefore + 2, watch.LeaderEpoch);
        Assert.Contains(host.Monitor.RecentEvents(), e => e.ToString() == $"{PrimaryService}/pg-test-2 is UP, reason: DCS, info: leader is pg-test-2");

        // Clients of the primary service reach the new primary.
        await Eventually.HoldsAsync(async () => await ThroughServiceAsync("SELECT NOT pg_is_in_recovery()"), Timeout);

        var newLeaderKey = keySeen.Last(k => k.Leader == "pg-test-2").At;
        var keyDeleted = keySeen.First(k => k.Leader is null).At;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"leader key → pg-test-2 seen by an independent watcher at {newLeaderKey.TotalMilliseconds:0.0} ms; {PrimaryService}/pg-test-2 UP by DCS at {up.At.TotalMilliseconds:0.0} ms: {(up.At - newLeaderKey).TotalMilliseconds:0.0} ms after the key changed"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"leader key deleted, seen by the independent watcher at {keyDeleted.TotalMilliseconds:0.0} ms; {PrimaryService}/pg-test-1 DOWN by DCS at {down.At.TotalMilliseconds:0.0} ms: {(down.At - keyDeleted).TotalMilliseconds:0.0} ms after"));
    }

    [Fact]
    public async Task EtcdStoppedThenStarted_WarnsChecksKeepRoutingThenWatchResumes()
    {
        await using var host = await StartAsync("inter 1s fastinter 500ms downinter 1s rise 2 fall 3");
        var watch = Assert.Single(host.DcsWatches);
        await Eventually.HoldsAsync(() => watch.IsConnected && watch.Leader == "pg-test-1" && IsUp("pg-test-1"), Timeout, Describe(host));
        Assert.Contains("pgway_dcs_connected{cluster=\"pg-test\"} 1", host.Metrics(), StringComparison.Ordinal);
        Assert.Null(watch.LostAt);
        var beforeStop = DateTimeOffset.UtcNow;
        var epochBefore = watch.LeaderEpoch;

        await Cluster.StopEtcdAsync();

        await Eventually.HoldsAsync(() => !watch.IsConnected && logs.Has(LogLevel.Warning, "DCS watch lost"), Timeout);
        Assert.Contains("pgway_dcs_connected{cluster=\"pg-test\"} 0", host.Metrics(), StringComparison.Ordinal);
        // The VIP's grace counts from here: the first loss, not each failed retry after it.
        var lostAt = Assert.NotNull(watch.LostAt);
        Assert.True(lostAt >= beforeStop, $"lost at {lostAt:O}, etcd stopped after {beforeStop:O}");
        // A loss counts as a change: what the key said while nobody watched is unknown.
        Assert.True(watch.LeaderEpoch > epochBefore);
        await Eventually.HoldsAsync(() => logs.Lines.Count(l => l.Message.Contains("DCS watch lost", StringComparison.Ordinal)) >= 2, Timeout);
        Assert.Equal(lostAt, watch.LostAt);
        // The watch marked nothing down: the checks alone route, to the primary still up.
        Assert.True(IsUp("pg-test-1"), Describe(host)());
        Assert.True(await ThroughServiceAsync("SELECT true"));

        await Cluster.StartEtcdAsync();

        await Eventually.HoldsAsync(() => watch.IsConnected && logs.Has(LogLevel.Information, "DCS watch of /service/pg-test/ recovered"), Timeout,
            () => string.Join('\n', logs.Lines.Where(l => l.Category.Contains("Dcs", StringComparison.Ordinal)).Select(l => $"{l.Level} {l.Message}")));
        await Eventually.HoldsAsync(() => watch.Leader is not null, Timeout);
        Assert.Null(watch.LostAt);
        output.WriteLine(string.Join('\n', logs.Lines.Where(l => l.Category.Contains("Dcs", StringComparison.Ordinal)).Select(l => $"{l.Level} {l.Message}")));
    }

    private GatewayHost? current;
    private LoggerFactory? logging;

    private bool IsUp(string member) => current!.Monitor.Find(PrimaryService, member)?.Snapshot.IsUp == true;

    private static Func<string> Describe(GatewayHost host) => () =>
        string.Join("; ", host.Monitor.Members.Select(m => $"{m.Service.FullName}/{m.Member.Name} {m.Snapshot.Status}")) +
        $"; DCS connected {host.DcsWatches[0].IsConnected}, leader {host.DcsWatches[0].Leader ?? "none"}";

    private async Task<bool> ThroughServiceAsync(string sql)
    {
        var builder = Cluster.ConnectionStringBuilder(Cluster.Node(1));
        builder.Port = Port;
        builder.Pooling = false;
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            return await command.ExecuteScalarAsync() is true;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
        {
            return false;
        }
    }

    // The primary service on node 1's address, to postgres, checked by Patroni's /primary; the watch from pg_dcs.
    private async Task<GatewayHost> StartAsync(string serverOptions)
    {
        var yaml = Cluster.ToInventoryYaml([
            new("pg_default_services", $"[{{name: primary, port: {Port}, ip: '{Cluster.Node(1).Address}', dest: postgres, selector: '[]', check: /primary, options: '{serverOptions}'}}]"),
        ]);
        await File.WriteAllTextAsync(file, yaml);
        var loaded = InventoryLoader.LoadFile(file);
        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Errors));
        Assert.NotNull(loaded.Topology!.Clusters[0].Dcs);
        var options = new GatewayOptions([Cluster.Node(1).Address.ToString()], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty)
        {
            RunPoolers = false,
            RunAdmin = false,
        };
        logging = new LoggerFactory([logs]);
        current = await GatewayHost.StartAsync(loaded.Topology, options, TimeProvider.System, logging, CancellationToken.None);
        return current;
    }

    public void Dispose()
    {
        File.Delete(file);
        logging?.Dispose();
    }
}
