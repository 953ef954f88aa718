using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Health;
using Pgway.Model;
using Pgway.Tests.Testing;

namespace Pgway.Tests.Health;

public partial class HealthMonitorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private readonly SleepWatchingTimeProvider time = new(Start);

    private static Topology Inventory(string services) => TestInventories.LoadValid($$"""
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
              vars:
                pg_cluster: pg-test
                pg_default_services: []
                pg_services:
        {{services}}
        """);

    private const string OneService = """
                  - { name: a, port: 5501, selector: "[? pg_role == `primary` ]", check: /primary, options: "inter 2s fastinter 1s downinter 5s rise 3 fall 3" }
        """;

    private HealthMonitor Monitor(Topology topology, ScriptedProbes probes, HealthMonitorOptions? options = null) =>
        new(topology.Clusters.SelectMany(c => c.Services), options ?? HealthMonitorOptions.Default, probes, time, NullLogger<HealthMonitor>.Instance);

    [Fact]
    public async Task Start_NewMember_IsUpBeforeItsFirstCheckAndCheckedAtOnce()
    {
        var probes = new ScriptedProbes(time);
        await using var monitor = Monitor(Inventory(OneService), probes);
        var member = Assert.Single(monitor.Members);

        Assert.True(member.Snapshot.IsUp);
        Assert.Null(member.Snapshot.LastResult);
        monitor.Start();
        await WaitFor(() => member.Snapshot.LastResult is not null);

        Assert.Equal([Start], probes.Single().Calls);
        Assert.Equal(new CheckTarget(HealthCheckKind.Http, "10.10.10.11", 8008, "OPTIONS", "/primary"), member.Target);
    }

    [Theory]
    [InlineData("inter 3s fastinter 1s downinter 5s rise 3 fall 3", 17)] // Pigsty's: a check under way (3 s + 3 s), 5 s to the next, 2 more at 1 s, their answers within 1 s + 3 s
    [InlineData("", 14)] // HAProxy's defaults (inter 2s rise 2): a check under way (2 s + 3 s), 2 s, 1 more at 2 s, its answer within 2 s + 3 s
    public async Task RiseTime_CheckUnderWayThenDownInterThenRiseMinusOneFastInterThenOneDeadline(string options, int seconds)
    {
        var service = $$"""
                  - { name: a, port: 5501, selector: "[? pg_role == `replica` ]", check: /replica, options: "{{options}}" }
        """;
        await using var monitor = Monitor(Inventory(service), new ScriptedProbes(time));

        Assert.Equal(TimeSpan.FromSeconds(seconds), monitor.RiseTime(Assert.Single(monitor.Members)));
    }

    [Fact]
    public async Task Run_FailingThenRecovering_ChecksAtDownInterFastInterAndInter()
    {
        var probes = new ScriptedProbes(time);
        await using var monitor = Monitor(Inventory(OneService), probes);
        var member = Assert.Single(monitor.Members);
        var changes = new List<HealthEvent>();
        monitor.StateChanged += changes.Add;
        var probe = probes.Single();
        // Fails once (new server: down at once), then passes: rise 3 needs three passes.
        foreach (var answer in new[] { false, true, true, true, true })
        {
            probe.Script.Enqueue(answer);
        }
        monitor.Start();

        var gaps = new List<double>();
        for (var check = 1; check <= 5; check++)
        {
            await WaitFor(() => probe.Calls.Count == check && member.Snapshot.LastResult is not null && Asleep(member));
            var next = member.Snapshot.NextCheck!.Value;
            gaps.Add((next - time.GetUtcNow()).TotalSeconds);
            time.SetUtcNow(next);
        }

        // down → downinter 5s; going up → fastinter 1s, 1s; up → inter 2s, 2s.
        Assert.Equal([5, 1, 1, 2, 2], gaps);
        Assert.Equal(
            [(MemberHealthState.Up, MemberHealthState.Down), (MemberHealthState.Down, MemberHealthState.GoingUp), (MemberHealthState.GoingUp, MemberHealthState.Up)],
            changes.Select(c => (c.From, c.To)));
        Assert.Equal("L7STS/503", changes[0].Result.Reason);
        Assert.Equal(Start, changes[0].Time);
        Assert.Equal(Start + TimeSpan.FromSeconds(7), changes[2].Time);
    }

    [Fact]
    public async Task Run_FallConsecutiveFailures_MarkDownAfterFastInterSteps()
    {
        var probes = new ScriptedProbes(time);
        await using var monitor = Monitor(Inventory(OneService), probes);
        var member = Assert.Single(monitor.Members);
        var probe = probes.Single();
        foreach (var answer in new[] { true, false, false, false })
        {
            probe.Script.Enqueue(answer);
        }
        monitor.Start();

        var states = new List<string>();
        for (var check = 1; check <= 4; check++)
        {
            await WaitFor(() => probe.Calls.Count == check && Asleep(member));
            states.Add(member.Snapshot.Status);
            if (check < 4)
            {
                time.SetUtcNow(member.Snapshot.NextCheck!.Value);
            }
        }

        Assert.Equal(["UP", "UP 2/3", "UP 1/3", "DOWN"], states);
        // Up at 0; failures at +2s (inter), +3s, +4s (fastinter): down 2 × fastinter after the first failure.
        Assert.Equal([0, 2, 3, 4], probe.Calls.Select(c => (c - Start).TotalSeconds));
        Assert.Equal(Start + TimeSpan.FromSeconds(4), member.Snapshot.LastChange);
    }

    [Fact]
    public async Task Create_ServicesSharingACheck_ShareOneProber()
    {
        var topology = Inventory("""
                  - { name: a, port: 5501, selector: "[]", check: /read-only }
                  - { name: b, port: 5502, selector: "[]", check: /read-only }
                  - { name: c, port: 5503, selector: "[]", check: /primary }
        """);
        var probes = new ScriptedProbes(time);
        await using var monitor = Monitor(topology, probes);
        monitor.Start();
        await WaitFor(() => monitor.Members.All(m => m.Snapshot.LastResult is not null));

        Assert.Equal(6, monitor.Members.Length);
        Assert.Equal(4, monitor.Targets.Count());
        Assert.Equal(4, probes.Created.Count);
        // One probe answered both services' members on each node.
        Assert.Same(monitor.Find("pg-test-a", "pg-test-2")!.Snapshot.LastResult, monitor.Find("pg-test-b", "pg-test-2")!.Snapshot.LastResult);
        Assert.All(probes.Created.Values, p => Assert.Single(p.Calls));
    }

    [Fact]
    public async Task Run_SharedCheckWithDifferentIntervals_EachMemberKeepsItsOwnRhythm()
    {
        var topology = Inventory("""
                  - { name: fast, port: 5501, selector: "[? pg_role == `primary` ]", check: /primary, options: "inter 1s rise 1 fall 1" }
                  - { name: slow, port: 5502, selector: "[? pg_role == `primary` ]", check: /primary, options: "inter 3s rise 1 fall 1" }
        """);
        var probes = new ScriptedProbes(time);
        await using var monitor = Monitor(topology, probes);
        var fast = monitor.Find("pg-test-fast", "pg-test-1")!;
        var slow = monitor.Find("pg-test-slow", "pg-test-1")!;
        var probe = probes.Single();
        monitor.Start();

        for (var check = 1; check <= 4; check++)
        {
            await WaitFor(() => probe.Calls.Count == check && Asleep(fast));
            time.SetUtcNow(Start + TimeSpan.FromSeconds(check));
        }
        await WaitFor(() => probe.Calls.Count == 5 && fast.Snapshot.NextCheck > time.GetUtcNow());

        Assert.Equal([0, 1, 2, 3, 4], probe.Calls.Select(c => (c - Start).TotalSeconds));
        Assert.Equal(Start + TimeSpan.FromSeconds(4), fast.Snapshot.LastResult!.CompletedAt);
        Assert.Equal(Start + TimeSpan.FromSeconds(3), slow.Snapshot.LastResult!.CompletedAt);
        Assert.Equal(Start + TimeSpan.FromSeconds(6), slow.Snapshot.NextCheck);
    }

    [Fact]
    public async Task Run_CheckThatNeverAnswers_TimesOutWithoutPilingUp()
    {
        var probes = new ScriptedProbes(time);
        await using var monitor = Monitor(Inventory(OneService), probes);
        var member = Assert.Single(monitor.Members);
        var probe = probes.Single();
        monitor.Start();
        await WaitFor(() => probe.Calls.Count == 1 && Asleep(member));
        probe.Hang = true;
        time.SetUtcNow(member.Snapshot.NextCheck!.Value);
        await WaitFor(() => probe.Calls.Count == 2 && time.HasTimerDueAt(probe.Calls[1] + TimeSpan.FromSeconds(5)));

        // Past the interval, but the hung check holds the prober: no third check starts.
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(2, probe.Calls.Count);
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitFor(() => member.Snapshot.LastResult!.Status == CheckStatus.L7Timeout);

        Assert.Equal(2, probe.Calls.Count);
        Assert.Equal(1, probe.MaxConcurrent);
        // Pigsty's timeouts: connect min(3s, inter 2s) + check 3s.
        Assert.Equal(TimeSpan.FromSeconds(5), probe.LastTotalTimeout);
        Assert.Equal("UP 2/3", member.Snapshot.Status);
    }

    [Fact]
    public async Task Create_ServiceWithoutCheck_MemberAlwaysUpAndNeverProbed()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-test:
                  hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
                  vars:
                    pg_cluster: pg-test
                    pg_services_extra:
                      - { name: raw, src_port: 5501, check_port: none, selector: "[]" }
            """);
        var probes = new ScriptedProbes(time);
        await using var monitor = Monitor(topology, probes);
        monitor.Start();

        var member = Assert.Single(monitor.Members, m => m.Service.Name == "raw");
        Assert.Null(member.Target);
        Assert.True(member.Snapshot.IsUp);
        Assert.Null(member.Snapshot.NextCheck);
        Assert.DoesNotContain(probes.Created.Keys, t => t.Port == 0);
    }

    [Fact]
    public async Task Publish_ListenerThrows_ChecksAndOtherListenersGoOn()
    {
        var probes = new ScriptedProbes(time);
        await using var monitor = Monitor(Inventory(OneService), probes, HealthMonitorOptions.Default with { RecentEventCapacity = 2 });
        var member = Assert.Single(monitor.Members);
        var seen = new List<HealthEvent>();
        monitor.StateChanged += _ => throw new InvalidOperationException("broken listener");
        monitor.StateChanged += seen.Add;
        var probe = probes.Single();
        probe.Otherwise = false;
        monitor.Start();

        for (var check = 1; check <= 3; check++)
        {
            await WaitFor(() => probe.Calls.Count == check && Asleep(member));
            probe.Otherwise = !probe.Otherwise;
            time.SetUtcNow(member.Snapshot.NextCheck!.Value);
        }
        await WaitFor(() => probe.Calls.Count == 4 && member.Snapshot.NextCheck > time.GetUtcNow());

        // fail → down, pass → going up, fail → down, pass → going up: four changes, the last two kept.
        Assert.Equal(4, seen.Count);
        Assert.Equal(seen.TakeLast(2), monitor.RecentEvents());
    }

    /// <summary>The member's check is done and its prober sleeps until the next one: the clock may move.</summary>
    private bool Asleep(MemberHealth member) =>
        member.Snapshot.NextCheck is { } next && next > time.GetUtcNow() && time.HasTimerDueAt(next);

    private static async Task WaitFor(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(1, timeout.Token);
        }
    }
}
