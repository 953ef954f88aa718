using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;
using Xunit.Abstractions;
using Outcome = Pgway.IntegrationTests.Failover.WriteLedger.Outcome;

namespace Pgway.IntegrationTests.Failover;

/// <summary>
/// Synchronous replication (Patroni's <c>synchronous_mode</c>) on a real 3-node Patroni cluster, with pgway in
/// front: writers insert through the primary service, both pooled (<c>dest: pool</c>) and spliced
/// (<c>dest: postgres</c>); Pigsty's <c>standby</c> service reaches the synchronous standby alone, where every
/// acknowledged write can be read; the primary is killed (Patroni and postgres, SIGKILL), Patroni promotes the
/// synchronous standby, and not one acknowledged write is missing through the primary service afterwards. The
/// <c>standby</c> service then follows Patroni's new synchronous standby.
/// </summary>
public sealed class SyncStandbyFailoverTests(ITestOutputHelper output)
    : FreshPatroniTestClusterPerTest(PatroniTestClusterOptions.ThreeNodes with { SynchronousMode = true })
{
    // Pigsty's ports, bound to the address of the node hosting pgway only ('*' would bind every address).
    private const int PrimaryPort = 5433;
    private const int StandbyPort = 5435;
    private const int DefaultPort = 5436;
    private const string Pooled = "primary";
    private const string Spliced = "default";
    private const string Table = "acked_writes";
    private const int WritersPerService = 2;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly Stopwatch clock = Stopwatch.StartNew();
    private PatroniNode gatewayNode = null!;

    [Fact]
    public async Task PrimaryKilled_SynchronousMode_NoAcknowledgedWriteLostAndStandbyServiceFollowsTheSyncStandby()
    {
        var leader = Cluster.Node(1);
        var sync = await SyncStandbyAsync(except: null);
        var replica = Cluster.Nodes.Single(n => n != leader && n != sync);
        // pgway runs on the node that stays a replica throughout: its listeners outlive the kill either way.
        gatewayNode = replica;
        await Cluster.ExecuteNonQueryAsync(leader, $"CREATE TABLE {Table} (id bigint PRIMARY KEY, via text NOT NULL)", PgTestUsers.Meta, PgTestUsers.TestDatabase);
        await using var host = await StartGatewayAsync();
        await WaitForMembersAsync(host, up: leader, syncStandby: sync);
        Progress($"pgway up: {leader.Name} primary, {sync.Name} sync standby, {replica.Name} async");

        // Patroni's /sync and PostgreSQL agree on which standby is synchronous, and the standby service reaches only it.
        Assert.Equal("sync", await SyncStateAsync(leader, sync));
        Assert.Equal("async", await SyncStateAsync(leader, replica));
        await AssertStandbyServiceReachesAsync(sync);

        var ledger = new WriteLedger();
        long lastId = 0;
        using var stop = new CancellationTokenSource();
        var writers = new[] { (Pooled, PrimaryPort), (Spliced, DefaultPort) }
            .SelectMany(service => Enumerable.Range(0, WritersPerService).Select(_ =>
                new InsertWriter(service.Item1, ServiceConnectionString(service.Item2), Table, () => Interlocked.Increment(ref lastId), ledger, clock)))
            .Select(writer => Task.Run(() => writer.RunAsync(stop.Token)))
            .ToArray();
        try
        {
            await Eventually.HoldsAsync(() => writers.Any(w => w.IsCompleted) || (ledger.Count(Outcome.Acknowledged, Pooled) >= 100 && ledger.Count(Outcome.Acknowledged, Spliced) >= 100),
                Timeout, () => Describe(ledger));
            Assert.DoesNotContain(writers, w => w.IsCompleted);
            Progress(Describe(ledger));

            // Read-your-acknowledged-writes on the synchronous standby, before the failover.
            var beforeKill = await AssertAcknowledgedVisibleThroughStandbyServiceAsync(ledger, leader, sync);

            var killedAt = clock.Elapsed;
            await Cluster.KillNodeAsync(leader);
            var killDone = clock.Elapsed;
            // In synchronous mode Patroni promotes only the synchronous standby.
            Assert.Same(sync, await Cluster.WaitForLeaderAsync(timeout: Timeout));
            var promotionSeen = clock.Elapsed;
            Progress($"{sync.Name} promoted; {Describe(ledger)}");

            // Writes resume through both services, and go on for a while on the new primary.
            await Eventually.HoldsAsync(() => writers.Any(w => w.IsCompleted) || (ledger.Count(Outcome.Acknowledged, Pooled, after: promotionSeen) >= 50 && ledger.Count(Outcome.Acknowledged, Spliced, after: promotionSeen) >= 50),
                Timeout, () => Describe(ledger));
            Assert.DoesNotContain(writers, w => w.IsCompleted);

            // The remaining replica becomes the synchronous standby once Patroni names it; the standby service follows.
            Assert.Equal(replica, await SyncStandbyAsync(except: leader));
            await WaitForMembersAsync(host, up: sync, syncStandby: replica);
            Assert.Equal("sync", await SyncStateAsync(sync, replica));
            await AssertStandbyServiceReachesAsync(replica);
            Progress($"standby service on {replica.Name}; {Describe(ledger)}");

            await stop.CancelAsync();
            await Task.WhenAll(writers).WaitAsync(Timeout);

            // Every acknowledged write, from before and after the failover, is on the new primary, read through both services.
            var acknowledged = ledger.Ids(Outcome.Acknowledged);
            var unknown = ledger.Ids(Outcome.Unknown);
            var notCommitted = ledger.Ids(Outcome.NotCommitted);
            var pooledPresent = await PresentAsync(ServiceConnectionString(PrimaryPort), sync, [.. acknowledged, .. unknown, .. notCommitted]);
            var splicedPresent = await PresentAsync(ServiceConnectionString(DefaultPort), sync, [.. acknowledged, .. unknown, .. notCommitted]);
            Assert.Equal(pooledPresent, splicedPresent);
            var lost = acknowledged.Where(id => !pooledPresent.Contains(id)).ToList();
            var unknownPresent = unknown.Where(pooledPresent.Contains).ToList();
            var failedButPresent = notCommitted.Where(pooledPresent.Contains).ToList();

            // The same on the new synchronous standby, through the standby service.
            await AssertAcknowledgedVisibleThroughStandbyServiceAsync(ledger, sync, replica);

            foreach (var via in new[] { Pooled, Spliced })
            {
                var (onOld, onNew) = (ledger.AcknowledgedBy(via, leader.Address.ToString()), ledger.AcknowledgedBy(via, sync.Address.ToString()));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Cluster.Name}-{via} (dest: {(via == Pooled ? "pool" : "postgres")}): {ledger.Count(Outcome.Acknowledged, via)} acknowledged, " +
                    $"{ledger.Count(Outcome.Unknown, via)} unknown outcome(s) ({unknownPresent.Count(id => ledger[id].Via == via)} of them committed), " +
                    $"{ledger.Count(Outcome.NotCommitted, via)} failed before COMMIT, lost {lost.Count(id => ledger[id].Via == via)}; " +
                    $"last acknowledged by {leader.Name} {(onOld?.Last - killedAt)?.TotalSeconds:+0.00;-0.00} s from the kill, " +
                    $"first by {sync.Name} {(onNew?.First - killedAt)?.TotalSeconds:0.00} s after the kill, {(onNew?.First - promotionSeen)?.TotalSeconds:+0.00;-0.00} s from the promotion as the test saw it"));
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"kill at {killedAt.TotalSeconds:0.00} s (done {(killDone - killedAt).TotalSeconds:0.00} s later); {sync.Name} promoted, seen {(promotionSeen - killedAt).TotalSeconds:0.00} s after the kill (ttl {Cluster.Options.Ttl} s); " +
                $"{beforeKill} writes read on {sync.Name} through the standby service before the kill"));
            output.WriteLine(Describe(ledger));
            foreach (var id in unknown)
            {
                output.WriteLine($"unknown outcome, id {id} via {ledger[id].Via} ({(pooledPresent.Contains(id) ? "committed" : "not committed")}): {ledger[id].Detail}");
            }
            foreach (var id in acknowledged.Where(id => ledger[id].Detail is not null))
            {
                output.WriteLine($"acknowledged with a warning, id {id} via {ledger[id].Via}: {ledger[id].Detail}");
            }

            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged write(s) lost: {string.Join(", ", lost.Take(20).Select(id => $"{id} via {ledger[id].Via} at {ledger[id].At.TotalSeconds:0.00} s"))}");
            Assert.True(failedButPresent.Count == 0, $"transactions that failed before their COMMIT was sent are present: {string.Join(", ", failedButPresent.Take(20))}");
            // A client told that its transaction did not complete must not find it committed.
            Assert.DoesNotContain(unknownPresent, id => ledger[id].Detail?.Contains("did not complete", StringComparison.Ordinal) == true);
            Assert.DoesNotContain(acknowledged, id => ledger[id].Detail is not null);
            // Acknowledged by the old primary until it died, then by the new one only.
            Assert.Subset(new HashSet<string?> { leader.Address.ToString(), sync.Address.ToString() }, ledger.Servers().ToHashSet());
            Assert.All(new[] { Pooled, Spliced }, via => Assert.True(ledger.AcknowledgedBy(via, leader.Address.ToString())?.Last <= killDone));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers).WaitAsync(Timeout);
        }
    }

    private string ServiceConnectionString(int port)
    {
        var builder = Cluster.ConnectionStringBuilder(gatewayNode, PgTestUsers.Meta, PgTestUsers.TestDatabase);
        builder.Port = port;
        builder.Pooling = false;
        // Longer than any wait here: a timed-out COMMIT would be cancelled, and a cancelled synchronous
        // commit is acknowledged without the standby (see InsertWriter).
        builder.CommandTimeout = 300;
        builder.ApplicationName = "sync-standby-failover";
        return builder.ConnectionString;
    }

    // The primary service pooled, the default service spliced (both /primary, following the leader key), and
    // Pigsty's standby service: every member, the primary as backup, checked by Patroni's /sync.
    private async Task<GatewayHost> StartGatewayAsync()
    {
        const string Options = "inter 1s fastinter 500ms downinter 1s rise 2 fall 2 on-marked-down shutdown-sessions";
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml([
            new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
            new("pgbouncer_poolmode", "transaction"),
            new("pg_default_services", "[" +
                $"{{name: primary, port: {PrimaryPort}, ip: '{gatewayNode.Address}', dest: pool, check: /primary, selector: '[]', options: '{Options}'}}," +
                $"{{name: default, port: {DefaultPort}, ip: '{gatewayNode.Address}', dest: postgres, check: /primary, selector: '[]', options: '{Options}'}}]"),
            new("pg_services", $"[{{name: standby, port: {StandbyPort}, ip: '{gatewayNode.Address}', dest: postgres, check: /sync, selector: '[]', backup: '[? pg_role == `primary` ]', options: '{Options}'}}]"),
        ]), "sync-standby.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var options = new GatewayOptions([gatewayNode.Address.ToString()], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty)
        {
            RunPoolers = false,
            RunAdmin = false,
        };
        return await GatewayHost.StartAsync(inventory.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
    }

    /// <summary>Waits until the primary services have <paramref name="up"/> alone up, and the standby service <paramref name="syncStandby"/> alone.</summary>
    private async Task WaitForMembersAsync(GatewayHost host, PatroniNode up, PatroniNode syncStandby)
    {
        bool OnlyUp(string service, PatroniNode node) =>
            host.Snapshot().Single(s => s.Service == $"{Cluster.Name}-{service}").Members.All(m => m.IsUp == (m.Name == node.Name));
        await Eventually.HoldsAsync(() => OnlyUp(Pooled, up) && OnlyUp(Spliced, up) && OnlyUp("standby", syncStandby), Timeout,
            () => string.Join("; ", host.Snapshot().SelectMany(s => s.Members.Select(m => $"{s.Service}/{m.Name}{(m.IsBackup ? " (backup)" : "")} {m.Status}"))));
    }

    /// <summary>Opens several connections through the standby service: each reaches <paramref name="expected"/>, in recovery.</summary>
    private async Task AssertStandbyServiceReachesAsync(PatroniNode expected)
    {
        for (var i = 0; i < 6; i++)
        {
            await using var connection = await OpenAsync(ServiceConnectionString(StandbyPort));
            Assert.Equal((expected.Address.ToString(), true), await ServerOfAsync(connection));
        }
    }

    /// <summary>
    /// Reads, on one connection through the standby service (which must reach <paramref name="standby"/>), every
    /// write acknowledged so far. synchronous_commit = on (Patroni's and Pigsty's default, and what the writers
    /// use) makes a COMMIT wait for the standby's flush, not its replay, so an acknowledged row may not be
    /// visible there yet: the read waits until the standby has replayed the WAL <paramref name="primary"/> had
    /// written after those acknowledgements. remote_apply would make the read immediate, but it is a stronger
    /// setting than the one whose guarantee is tested: a failover keeps what was flushed, replayed or not.
    /// </summary>
    private async Task<int> AssertAcknowledgedVisibleThroughStandbyServiceAsync(WriteLedger ledger, PatroniNode primary, PatroniNode standby)
    {
        var acknowledged = ledger.Ids(Outcome.Acknowledged);
        var target = await Cluster.ExecuteScalarAsync<string>(primary, "SELECT pg_current_wal_lsn()::text");
        await using var connection = await OpenAsync(ServiceConnectionString(StandbyPort));
        Assert.Equal((standby.Address.ToString(), true), await ServerOfAsync(connection));
        await Eventually.HoldsAsync(async () =>
        {
            await using var replayed = new NpgsqlCommand($"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", connection);
            return await replayed.ExecuteScalarAsync() is true;
        }, Timeout, () => $"{standby.Name} did not replay up to {target}");
        var present = await PresentAsync(connection, acknowledged);
        var missing = acknowledged.Where(id => !present.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged writes not visible on {standby.Name} through the standby service: {string.Join(", ", missing.Take(20))}");
        return acknowledged.Count;
    }

    private static async Task<HashSet<long>> PresentAsync(string connectionString, PatroniNode expected, IReadOnlyList<long> ids)
    {
        await using var connection = await OpenAsync(connectionString);
        Assert.Equal((expected.Address.ToString(), false), await ServerOfAsync(connection));
        return await PresentAsync(connection, ids);
    }

    private static async Task<HashSet<long>> PresentAsync(NpgsqlConnection connection, IReadOnlyList<long> ids)
    {
        await using var command = new NpgsqlCommand($"SELECT id FROM {Table} WHERE id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        var present = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            present.Add(reader.GetInt64(0));
        }
        return present;
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task<(string Address, bool InRecovery)> ServerOfAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT host(inet_server_addr()), pg_is_in_recovery()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetBoolean(1));
    }

    /// <summary>What <paramref name="primary"/>'s pg_stat_replication says of <paramref name="standby"/>: sync, async, potential…</summary>
    private Task<string?> SyncStateAsync(PatroniNode primary, PatroniNode standby) =>
        Cluster.ExecuteScalarAsync<string>(primary, $"SELECT sync_state FROM pg_stat_replication WHERE application_name = '{standby.Name}'");

    /// <summary>Waits until exactly one running node answers Patroni's /sync with 200, and returns it.</summary>
    private async Task<PatroniNode> SyncStandbyAsync(PatroniNode? except)
    {
        var answering = new List<PatroniNode>();
        await Eventually.HoldsAsync(async () =>
        {
            answering.Clear();
            foreach (var node in Cluster.Nodes.Where(n => n != except))
            {
                if ((await Cluster.QueryRestApiAsync(node, "/sync")).StatusCode == HttpStatusCode.OK)
                {
                    answering.Add(node);
                }
            }
            return answering.Count == 1;
        }, Timeout, () => $"nodes answering /sync with 200: [{string.Join(", ", answering.Select(n => n.Name))}]");
        return answering[0];
    }

    private void Progress(string what) => output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds,6:0.00} s  {what}"));

    private string Describe(WriteLedger ledger) =>
        string.Join("; ", new[] { Pooled, Spliced }.Select(via =>
            $"{via}: {ledger.Count(Outcome.Acknowledged, via)} acknowledged, {ledger.Count(Outcome.Unknown, via)} unknown, {ledger.Count(Outcome.NotCommitted, via)} failed" +
            string.Concat(ledger.Errors(via).Select(e => $"\n    {e.Count} × {e.Outcome}: {e.Detail}")))) +
        $" (at {clock.Elapsed.TotalSeconds:0.0} s)";
}
