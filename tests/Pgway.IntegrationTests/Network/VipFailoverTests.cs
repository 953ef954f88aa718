using System.Diagnostics;
using System.Net;
using Pgway.IntegrationTests.Testing;
using Pgway.LocalPostgres;
using Pgway.Testing;
using Pgway.Testing.Network;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// The L2 VIP across real hosts (issue 21): it sits on the Patroni leader's host, moves with a crash, a cut-off and a
/// switchover, and never answers from two hosts (duplicate address detection's probe from the client namespace,
/// throughout each failover and after it, counts the MACs that reply to each probe). Each test starts from whoever leads and leaves the cluster healthy.
/// </summary>
[Collection(PatroniLab.Name)]
public sealed class VipFailoverTests(PatroniLabFixture lab, ITestOutputHelper output)
{
    private const string Write = "INSERT INTO vip_probe (at) VALUES (clock_timestamp())";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    // How long a probe whose answer is asserted listens: generous, so a loaded machine's late reply is still seen.
    private static readonly TimeSpan AnswerWindow = TimeSpan.FromMilliseconds(500);
    private static readonly IPAddress Vip = PatroniLabFixture.Vip;

    private MultiHostCluster Cluster => lab.Cluster;

    [NetworkFact]
    public async Task Vip_AtStart_OnThePrimarysHost_PsqlThroughItReachesThePrimary()
    {
        var leader = await Cluster.WaitUntilPatroniHealthyAsync();
        await WaitForVipOnAsync(leader);

        foreach (var port in new[] { MultiHostCluster.PrimaryServicePort, MultiHostCluster.PostgresPort })
        {
            CommandResult? answer = null;
            await Eventually.HoldsAsync(
                async () => (answer = await Cluster.PsqlFromClientAsync(Vip, port, "SELECT pg_is_in_recovery(), inet_server_addr()")).Succeeded,
                Bound,
                () => $"VIP:{port}: {answer?.Describe()}");
            var row = answer!.StandardOutput.Trim();
            Assert.StartsWith("f|", row, StringComparison.Ordinal);
        }
    }

    [NetworkFact]
    public async Task Crash_PrimaryHostKilled_VipMovesToTheNewLeader_NeverOnTwoHosts()
    {
        var old = await Cluster.WaitUntilPatroniHealthyAsync();
        await WaitForVipOnAsync(old);
        await EnsureProbeTableAsync();

        await using var watch = new VipWatch(Cluster, Vip);
        MultiHostMember leader;
        await Cluster.KillHostAsync(old);
        try
        {
            TimeSpan keyChanged, firstWrite;
            (leader, keyChanged, firstWrite) = await MeasureFailoverAsync(old);
            output.WriteLine($"crash of {old.Host.Name}: leader key -> {leader.Name} at +{keyChanged.TotalMilliseconds:0} ms after the kill; first write through VIP:5433 {(firstWrite - keyChanged).TotalMilliseconds:0} ms after the key changed");

            // The dead host's kernel list still has it (a namespace outlives its processes); it is powered off, and its boot forgets it.
            await WaitForVipOnAsync(leader, dead: old);
        }
        finally
        {
            await Cluster.StartHostAsync(old);
        }

        // Patroni 3.0 may leave the crashed leader stuck instead of rewinding it: the fixture re-clones it then, so the
        // next test of the lab starts from every replica streaming.
        await Cluster.WaitUntilPatroniHealthyAsync(TimeSpan.FromSeconds(60));
        await Cluster.WaitForPrimaryServiceAsync(old.Host);
        await WaitForVipOnAsync(leader);
        var duplicates = await watch.StopAsync();
        output.WriteLine($"DAD probe rounds: {watch.Rounds}");
        Assert.Empty(duplicates);
    }

    [NetworkFact]
    public async Task CutOff_PrimaryHostUnplugged_VipMoves_ComingBackItDoesNotHoldIt()
    {
        var old = await Cluster.WaitUntilPatroniHealthyAsync();
        await WaitForVipOnAsync(old);
        await EnsureProbeTableAsync();

        await using var watch = new VipWatch(Cluster, Vip);
        MultiHostMember leader;
        try
        {
            await Cluster.Network.CutOffAsync(old.Host);
            TimeSpan keyChanged, firstWrite;
            (leader, keyChanged, firstWrite) = await MeasureFailoverAsync(old);
            output.WriteLine($"cut-off of {old.Host.Name}: leader key -> {leader.Name} at +{keyChanged.TotalMilliseconds:0} ms; first write through VIP:5433 {(firstWrite - keyChanged).TotalMilliseconds:0} ms after the key changed");

            // The unplugged host's pgway lets it go too (its DCS is gone past the grace, its Patroni demotes).
            await WaitForVipOnAsync(leader, checkArp: false);
        }
        finally
        {
            await Cluster.Network.RestoreAsync(old.Host);
        }

        // Coming back: the probes run throughout, and the returning host never answers for the VIP.
        await Cluster.WaitUntilPatroniHealthyAsync(TimeSpan.FromSeconds(60));
        await Cluster.WaitForPrimaryServiceAsync(old.Host);
        for (var round = 0; round < 3; round++)
        {
            var macs = await Cluster.DadProbeAsync(Vip, AnswerWindow);
            Assert.Equal([await MultiHostCluster.MacOfAsync(leader.Host)], macs);
        }

        Assert.Equal([leader], await Cluster.VipHoldersAsync(Vip));
        var duplicates = await watch.StopAsync();
        output.WriteLine($"DAD probe rounds: {watch.Rounds}");
        Assert.Empty(duplicates);
    }

    [NetworkFact]
    public async Task Switchover_ByPgway_VipMoves_PooledClientsSeeNoFailedTransaction()
    {
        var failures = await SwitchoverUnderWritersAsync("pgway switchover", async (old, target) =>
        {
            // pgway's checks follow Patroni's with a rise count, as HAProxy's do: the target Patroni calls
            // healthy again (after the test before) may still be down for them a moment, and the switchover
            // waits for them itself (docs/switchover.md) rather than refuse it.
            var switchover = await TestNetwork.RunAsync(
                old.Host,
                MultiHostLabFixture.PgwayCommand[0],
                [.. MultiHostLabFixture.PgwayCommand.Skip(1), "switchover", "-c", Cluster.InventoryPath, "--node", old.Host.Address.ToString(), "--runtime-dir", old.RuntimeDirectory, "--cluster", MultiHostCluster.ClusterName, "--to", target.Name],
                timeout: Bound);
            output.WriteLine(switchover.StandardOutput);
            return switchover;
        });

        Assert.Empty(failures);
    }

    [NetworkFact]
    public async Task Switchover_ByPatronictl_VipMoves_FailuresReported()
    {
        // Reported, not asserted: Patroni stops the old primary under the transactions in flight (docs/switchover.md).
        await SwitchoverUnderWritersAsync("patronictl switchover", (old, target) =>
            MultiHostCluster.PatronictlAsync(old, ["switchover", "--leader", old.Name, "--candidate", target.Name, "--force", MultiHostCluster.ClusterName]));
    }

    [NetworkFact]
    public async Task Switchover_OldHolderSlowToLetGo_NewLeaderWaitsForIt_NeverOnTwoHosts()
    {
        var old = await Cluster.WaitUntilPatroniHealthyAsync();
        await WaitForVipOnAsync(old);
        var target = Cluster.Members.First(member => member != old);

        // The old holder's pgway is frozen through the leader change: its kernel still answers for the VIP, as a loaded
        // host's would until its pgway's removal runs. The new leader's pgway must wait for it, not answer beside it.
        await using var watch = new VipWatch(Cluster, Vip);
        Cluster.FreezePgway(old, true);
        try
        {
            var switchover = await MultiHostCluster.PatronictlAsync(old, ["switchover", "--leader", old.Name, "--candidate", target.Name, "--force", MultiHostCluster.ClusterName]);
            Assert.True(switchover.Succeeded, switchover.Describe());
            await Cluster.WaitForLeaderAsync(target);

            // Within the new holder's 8 s takeover wait (counted from its first probe answered, which a slow
            // patronictl on a loaded machine can put seconds before the leader is seen here: CI once saw 3 s
            // be too long), and past its own checks seeing a primary.
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Equal([old], await Cluster.VipHoldersAsync(Vip));
        }
        finally
        {
            Cluster.FreezePgway(old, false);
        }

        await WaitForVipOnAsync(target);
        await Cluster.WaitUntilPatroniHealthyAsync();
        var duplicates = await watch.StopAsync();
        output.WriteLine($"DAD probe rounds: {watch.Rounds}");
        Assert.Empty(duplicates);
    }

    /// <summary>
    /// From whoever leads, switches over to another member with <paramref name="switchover"/> while writers loop on
    /// VIP:5440 (<c>dest: pool</c>); waits until the VIP is on the new leader alone and the cluster is healthy again,
    /// asserts that no DAD probe was answered by two MACs throughout, and returns the writers' failures (reported).
    /// </summary>
    private async Task<IReadOnlyList<string>> SwitchoverUnderWritersAsync(string label, Func<MultiHostMember, MultiHostMember, Task<CommandResult>> switchover)
    {
        var old = await Cluster.WaitUntilPatroniHealthyAsync();
        await WaitForVipOnAsync(old);
        await EnsureProbeTableAsync();
        var target = Cluster.Members.First(member => member != old);

        await using var watch = new VipWatch(Cluster, Vip);
        var (failures, reconnects, transactions) = await WithWritersAsync(MultiHostCluster.PoolServicePort, async () =>
        {
            var result = await switchover(old, target);
            Assert.True(result.Succeeded, result.Describe());
            await Cluster.WaitForLeaderAsync(target);
            await WaitForVipOnAsync(target);
        });

        output.WriteLine($"{label} {old.Name} -> {target.Name}: {transactions} transactions through VIP:{MultiHostCluster.PoolServicePort}, {failures.Count} failed; {reconnects.Count} connection(s) failed before their transaction and were retried");
        foreach (var failure in failures.Take(5).Concat(reconnects.Take(5)))
        {
            output.WriteLine(failure);
        }

        await Cluster.WaitUntilPatroniHealthyAsync();
        var duplicates = await watch.StopAsync();
        output.WriteLine($"DAD probe rounds: {watch.Rounds}");
        Assert.Empty(duplicates);
        return failures;
    }

    /// <summary>
    /// After the old leader's host failed: polls the leader key (etcd, from the client) and writes through VIP:5433
    /// at once, and returns the new leader, when the key first named it and when the first write succeeded, both
    /// since the failure.
    /// </summary>
    private async Task<(MultiHostMember Leader, TimeSpan KeyChanged, TimeSpan FirstWrite)> MeasureFailoverAsync(MultiHostMember old)
    {
        var clock = Stopwatch.StartNew();
        var keyTask = Task.Run(async () =>
        {
            MultiHostMember? leader = null;
            await Eventually.HoldsAsync(async () => (leader = await Cluster.LeaderAsync()) is not null && leader != old, Bound, () => $"the leader key still names {old.Name} or nobody\n{Cluster.DescribeLogs()}");
            return (leader!, clock.Elapsed);
        });
        var writeTask = Task.Run(async () =>
        {
            CommandResult? last = null;
            await Eventually.HoldsAsync(
                async () => (last = await Cluster.PsqlFromClientAsync(Vip, MultiHostCluster.PrimaryServicePort, Write)).Succeeded,
                Bound,
                () => $"no write through VIP:5433: {last?.Describe()}\n{Cluster.DescribeLogs()}");
            return clock.Elapsed;
        });
        var (leader, keyChanged) = await keyTask;
        var firstWrite = await writeTask;
        return (leader, keyChanged, firstWrite);
    }

    /// <summary>
    /// Three clients loop short write transactions (a connection each, through the pooler) on VIP:<paramref name="port"/>
    /// while <paramref name="action"/> runs and 1 s after. A connection that fails before its transaction was sent
    /// (libpq's "connection to server … failed", e.g. a login under way on the old holder when the VIP left it) is
    /// retried, as a client's pool reconnects, and counted apart: the transaction never started. Any other error, or
    /// a transaction left hanging, is a failed transaction.
    /// </summary>
    private async Task<(IReadOnlyList<string> Failures, IReadOnlyList<string> Reconnects, int Transactions)> WithWritersAsync(int port, Func<Task> action)
    {
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var reconnects = new List<string>();
        var transactions = 0;
        var writers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            // Bounded: stops with the action, and never more than 2000 attempts each.
            for (var count = 0; count < 2000 && !stop.IsCancellationRequested; count++)
            {
                string? failure;
                try
                {
                    var result = await Cluster.PsqlFromClientAsync(Vip, port, $"BEGIN; {Write}; COMMIT");
                    failure = result.Succeeded ? null : result.StandardError.Trim();
                }
                catch (TimeoutException exception)
                {
                    // psql's own 30 s bound (its login has connect_timeout=5): a transaction left hanging.
                    failure = exception.Message;
                }

                var notConnected = failure is not null && failure.Contains("connection to server at", StringComparison.Ordinal) && failure.Contains("failed:", StringComparison.Ordinal);
                if (!notConnected)
                {
                    Interlocked.Increment(ref transactions);
                }

                if (failure is not null)
                {
                    var list = notConnected ? reconnects : failures;
                    lock (list)
                    {
                        list.Add($"{DateTime.UtcNow:HH:mm:ss.fff}: {failure}");
                    }
                }
            }
        })).ToList();
        try
        {
            await action();
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        lock (failures)
        {
            lock (reconnects)
            {
                return ([.. failures], [.. reconnects], transactions);
            }
        }
    }

    private async Task EnsureProbeTableAsync()
    {
        CommandResult? answer = null;
        await Eventually.HoldsAsync(
            async () => (answer = await Cluster.PsqlFromClientAsync(Vip, MultiHostCluster.PrimaryServicePort, "CREATE TABLE IF NOT EXISTS vip_probe (at timestamptz)")).Succeeded,
            Bound,
            () => $"VIP:5433: {answer?.Describe()}");
    }

    /// <summary>Waits until <paramref name="leader"/>'s host alone holds the VIP and (unless told not to) only its MAC answers ARP for it.</summary>
    private async Task WaitForVipOnAsync(MultiHostMember leader, bool checkArp = true, MultiHostMember? dead = null)
    {
        var mac = await MultiHostCluster.MacOfAsync(leader.Host);
        IReadOnlyList<MultiHostMember> holders = [];
        IReadOnlySet<string> macs = new HashSet<string>();
        await Eventually.HoldsAsync(
            async () =>
            {
                holders = [.. (await Cluster.VipHoldersAsync(Vip)).Where(holder => holder != dead)];
                if (holders.Count != 1 || holders[0] != leader)
                {
                    return false;
                }

                macs = checkArp ? await Cluster.DadProbeAsync(Vip, AnswerWindow) : new HashSet<string> { mac };
                return macs.SetEquals([mac]);
            },
            Bound,
            () => $"the VIP should be on {leader} ({mac}) alone; held by [{string.Join(", ", holders.Select(holder => holder.Name))}], ARP answered by [{string.Join(", ", macs)}]\n{Cluster.DescribeLogs()}");
    }
}
