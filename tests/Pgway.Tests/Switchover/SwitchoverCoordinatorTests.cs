using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pgway.Model;
using Pgway.Switchover;
using Pgway.Tests.Testing;

namespace Pgway.Tests.Switchover;

/// <summary>The coordinator's decisions against a fake host: validation, the hold and its release, abort on the wait timeout.</summary>
public sealed class SwitchoverCoordinatorTests
{
    private static readonly Topology Topology = TestInventories.LoadValid("""
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
                10.10.10.13: { pg_seq: 3, pg_role: replica }
              vars: { pg_cluster: pg-test }
        """);

    private sealed class FakePause(string name) : ISwitchoverPause
    {
        public string Name => name;

        public int InFlight { get; set; }

        public List<string> Calls { get; } = [];

        public void Hold(string holder) => Calls.Add($"hold {holder}");

        public void Release(string holder) => Calls.Add($"release {holder}");
    }

    private sealed class FakeMethod(Func<Instance, Instance?, Task<Instance>> run) : ISwitchoverMethod
    {
        public string Name => "fake";

        public int Runs { get; private set; }

        public Task<Instance> SwitchAsync(Cluster cluster, Instance primary, Instance? candidate, SwitchoverSteps steps, CancellationToken cancellationToken)
        {
            Runs++;
            return run(primary, candidate);
        }
    }

    private sealed class FakeHost(ISwitchoverMethod method, params ISwitchoverPause[] pauses) : ISwitchoverHost
    {
        public string? Primary { get; set; } = "pg-test-1";

        // Concurrent: a test changes them while a switchover's wait reads them.
        public ConcurrentDictionary<string, string> Unhealthy { get; } = new();

        public List<string> Followed { get; } = [];

        public List<string> Events { get; } = [];

        public IReadOnlyList<Cluster> Clusters => Topology.Clusters;

        public string? PrimaryOf(Cluster cluster, out string? problem)
        {
            problem = null;
            return Primary;
        }

        public ConcurrentDictionary<string, TimeSpan> RiseTimes { get; } = new();

        public string? ReplicaProblem(Cluster cluster, Instance member) => Unhealthy.GetValueOrDefault(member.Name);

        public TimeSpan RiseTime(Cluster cluster, Instance member) => RiseTimes.GetValueOrDefault(member.Name);

        public IReadOnlyList<ISwitchoverPause> PausesOf(Cluster cluster) => pauses;

        public ISwitchoverMethod MethodOf(Cluster cluster, SwitchoverOptions options) => method;

        public void FollowLeader(Cluster cluster, string leader) => Followed.Add(leader);

        public void Record(string cluster, string message) => Events.Add(message);
    }

    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static Instance Named(string name) => Topology.Clusters[0].Instances.Single(i => i.Name == name);

    private static FakeMethod Succeeds() => new((primary, candidate) => Task.FromResult(candidate ?? Named("pg-test-3")));

    private static SwitchoverCoordinator Coordinator(ISwitchoverHost host, TimeProvider? time = null) =>
        new(host, time ?? TimeProvider.System, NullLogger<SwitchoverCoordinator>.Instance);

    [Theory]
    [InlineData("pg-nope", null, null, "unknown cluster 'pg-nope': this pgway hosts pg-test")]
    [InlineData("pg-test", "pg-test-9", null, "'pg-test-9' is not a member of cluster pg-test: its members are pg-test-1, pg-test-2, pg-test-3")]
    [InlineData("pg-test", "pg-test-1", null, "pg-test-1 is the primary of pg-test already")]
    [InlineData("pg-test", "pg-test-2", "pg-test-2", "pg-test-2 is not a healthy replica: down")]
    public async Task Switchover_Invalid_RefusedBeforeAnythingIsHeld(string cluster, string? to, string? unhealthy, string error)
    {
        var pause = new FakePause("pg-test-primary");
        var method = Succeeds();
        var host = new FakeHost(method, pause);
        if (unhealthy is not null)
        {
            host.Unhealthy[unhealthy] = "down";
        }

        var result = await Coordinator(host).SwitchoverAsync(cluster, to, SwitchoverOptions.Default, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(error, result.Error);
        Assert.Empty(pause.Calls);
        Assert.Equal(0, method.Runs);
    }

    [Fact]
    public async Task Switchover_NoPrimary_Refused()
    {
        var host = new FakeHost(Succeeds()) { Primary = null };

        var result = await Coordinator(host).SwitchoverAsync("pg-test", null, SwitchoverOptions.Default, CancellationToken.None);

        Assert.Equal("cluster pg-test has no primary now (no member is up in its primary services): nothing to switch over from", result.Error);
    }

    [Fact]
    public async Task Switchover_NoHealthyReplica_Refused()
    {
        var host = new FakeHost(Succeeds());
        host.Unhealthy["pg-test-2"] = host.Unhealthy["pg-test-3"] = "down";

        var result = await Coordinator(host).SwitchoverAsync("pg-test", null, SwitchoverOptions.Default, CancellationToken.None);

        Assert.Equal("cluster pg-test has no healthy replica to switch over to", result.Error);
    }

    [Fact]
    public async Task Switchover_Succeeds_HoldsSwitchesFollowsThenReleases()
    {
        var pause = new FakePause("pg-test-primary");
        var host = new FakeHost(Succeeds(), pause);

        var result = await Coordinator(host).SwitchoverAsync("pg-test", "pg-test-2", SwitchoverOptions.Default, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(("pg-test-1", "pg-test-2", "fake"), (result.OldPrimary, result.NewPrimary, result.Method));
        Assert.Equal(["hold switchover of pg-test", "release switchover of pg-test"], pause.Calls);
        Assert.Equal(["pg-test-2"], host.Followed);
        Assert.Equal(["validate", "pause", "drain", "route", "resume"], result.Steps.Select(s => s.Name));
        Assert.Equal(2, host.Events.Count);
    }

    // Moves the clock to each timer the switchover starts, once it has started it (so never past a check it has
    // yet to make), until the switchover ends; runs `at` once the clock has reached its time.
    private static async Task<SwitchoverResult> RunInStepsAsync(SleepWatchingTimeProvider time, Task<SwitchoverResult> running, (TimeSpan After, Action Act)? at = null)
    {
        var started = time.GetUtcNow();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!running.IsCompleted)
        {
            var now = time.GetUtcNow();
            if (at is { } due && now - started >= due.After)
            {
                due.Act();
                at = null;
            }
            if (time.EarliestDueAfter(now) is { } next)
            {
                time.Advance(next - now);
            }
            else
            {
                Assert.True(DateTime.UtcNow < deadline, "the switchover neither ended nor started a timer within 30 s");
                await Task.Delay(1);
            }
        }
        return await running;
    }

    [Fact]
    public async Task Switchover_TargetStillRisingInPgwaysChecks_WaitsForThemThenSwitches()
    {
        var time = new SleepWatchingTimeProvider(Start);
        var pause = new FakePause("pg-test-primary");
        var method = Succeeds();
        var host = new FakeHost(method, pause);
        host.Unhealthy["pg-test-2"] = "down in every service that checks it (pg-test-replica DOWN 1/3)";
        host.RiseTimes["pg-test-2"] = TimeSpan.FromSeconds(10);

        var running = Coordinator(host, time).SwitchoverAsync("pg-test", "pg-test-2", SwitchoverOptions.Default, CancellationToken.None);
        Assert.False(running.IsCompleted);
        var result = await RunInStepsAsync(time, running, (TimeSpan.FromSeconds(3), () => host.Unhealthy.TryRemove("pg-test-2", out _)));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("pg-test-2", result.NewPrimary);
        Assert.Equal(["validate", "checks", "pause", "drain", "route", "resume"], result.Steps.Select(s => s.Name));
        Assert.Equal(3100, result.Steps[1].Took); // seen at the first look after it came up
        Assert.Equal(1, method.Runs);
    }

    [Fact]
    public async Task Switchover_TargetStaysDownInPgwaysChecks_RefusedAfterTheWaitTimeoutNothingHeld()
    {
        var time = new SleepWatchingTimeProvider(Start);
        var pause = new FakePause("pg-test-primary");
        var method = Succeeds();
        var host = new FakeHost(method, pause);
        host.Unhealthy["pg-test-2"] = "down in every service that checks it (pg-test-replica DOWN)";
        host.RiseTimes["pg-test-2"] = TimeSpan.FromSeconds(10);

        var running = Coordinator(host, time).SwitchoverAsync("pg-test", "pg-test-2", new SwitchoverOptions(TimeSpan.FromMilliseconds(2050), TimeSpan.FromSeconds(5)), CancellationToken.None);
        var result = await RunInStepsAsync(time, running);

        Assert.False(result.Succeeded);
        Assert.Equal("pg-test-2 is not a healthy replica: down in every service that checks it (pg-test-replica DOWN) (still, after waiting 2.1 s for pgway's checks)", result.Error);
        Assert.Equal(2050, result.TotalMilliseconds); // the last look comes at the limit, not a poll interval past it
        Assert.Equal(["validate"], result.Steps.Select(s => s.Name));
        Assert.Empty(pause.Calls);
        Assert.Equal(0, method.Runs);
        Assert.Empty(host.Events);
    }

    [Fact]
    public async Task Switchover_TargetFencedDuringTheWait_RefusedAtTheNextLook()
    {
        var time = new SleepWatchingTimeProvider(Start);
        var host = new FakeHost(Succeeds());
        host.Unhealthy["pg-test-2"] = "down";
        host.RiseTimes["pg-test-2"] = TimeSpan.FromSeconds(10);

        var result = await RunInStepsAsync(time, Coordinator(host, time).SwitchoverAsync("pg-test", "pg-test-2", SwitchoverOptions.Default, CancellationToken.None),
            (TimeSpan.FromSeconds(1), () =>
            {
                host.Unhealthy["pg-test-2"] = "it is fenced (by hand)";
                host.RiseTimes["pg-test-2"] = TimeSpan.Zero;
            }));

        Assert.Equal("pg-test-2 is not a healthy replica: it is fenced (by hand) (still, after waiting 1.1 s for pgway's checks)", result.Error);
    }

    [Fact]
    public async Task Switchover_AnyReplicaWhileNoneIsUpInPgwaysChecks_WaitsForOneWithinTheLongestRiseTime()
    {
        var time = new SleepWatchingTimeProvider(Start);
        var host = new FakeHost(Succeeds());
        host.Unhealthy["pg-test-2"] = host.Unhealthy["pg-test-3"] = "down";
        host.RiseTimes["pg-test-2"] = TimeSpan.FromSeconds(4);
        host.RiseTimes["pg-test-3"] = TimeSpan.FromSeconds(7);

        var up = await RunInStepsAsync(time, Coordinator(host, time).SwitchoverAsync("pg-test", null, SwitchoverOptions.Default, CancellationToken.None),
            (TimeSpan.FromSeconds(5), () => host.Unhealthy.TryRemove("pg-test-3", out _)));
        host.Unhealthy["pg-test-3"] = "down";
        var never = await RunInStepsAsync(time, Coordinator(host, time).SwitchoverAsync("pg-test", null, SwitchoverOptions.Default, CancellationToken.None));

        Assert.True(up.Succeeded, up.Error);
        Assert.Equal("cluster pg-test has no healthy replica to switch over to (still, after waiting 7 s for pgway's checks)", never.Error);
    }

    [Fact]
    public async Task Switchover_TargetThatCannotRise_RefusedAtOnce()
    {
        // A fenced member (or one nothing here checks) has no rise time: waiting cannot help.
        var time = new SleepWatchingTimeProvider(Start);
        var host = new FakeHost(Succeeds());
        host.Unhealthy["pg-test-2"] = "it is fenced (switchover of pg-test)";

        var running = Coordinator(host, time).SwitchoverAsync("pg-test", "pg-test-2", SwitchoverOptions.Default, CancellationToken.None);

        Assert.True(running.IsCompleted);
        Assert.Equal("pg-test-2 is not a healthy replica: it is fenced (switchover of pg-test)", (await running).Error);
    }

    [Fact]
    public async Task Switchover_PrimaryMovedWhileWaitingForTheChecks_RefusedNothingHeld()
    {
        var time = new SleepWatchingTimeProvider(Start);
        var pause = new FakePause("pg-test-primary");
        var method = Succeeds();
        var host = new FakeHost(method, pause);
        host.Unhealthy["pg-test-2"] = "down";
        host.RiseTimes["pg-test-2"] = TimeSpan.FromSeconds(10);

        var result = await RunInStepsAsync(time, Coordinator(host, time).SwitchoverAsync("pg-test", "pg-test-2", SwitchoverOptions.Default, CancellationToken.None),
            (TimeSpan.FromSeconds(2), () =>
            {
                host.Primary = "pg-test-3";
                host.Unhealthy.TryRemove("pg-test-2", out _);
            }));

        Assert.Equal("the primary of pg-test moved from pg-test-1 to pg-test-3 while this switchover waited: nothing was switched, ask again", result.Error);
        Assert.Empty(pause.Calls);
        Assert.Equal(0, method.Runs);
    }

    [Fact]
    public async Task Switchover_TransactionsOutlastWaitTimeout_AbortedNothingSwitchedReleased()
    {
        var time = new FakeTimeProvider();
        var pause = new FakePause("pg-test-primary") { InFlight = 2 };
        var method = Succeeds();
        var host = new FakeHost(method, pause);

        var running = Coordinator(host, time).SwitchoverAsync("pg-test", "pg-test-2", new SwitchoverOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)), CancellationToken.None);
        while (!running.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Yield();
        }
        var result = await running;

        Assert.False(result.Succeeded);
        Assert.StartsWith("2 transaction(s) still under way after the wait timeout of 1 s on pg-test-primary (2): switchover aborted, nothing was switched", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, method.Runs);
        Assert.Empty(host.Followed);
        Assert.Equal(["hold switchover of pg-test", "release switchover of pg-test"], pause.Calls);
    }

    [Fact]
    public async Task Switchover_MethodFails_ReleasedAndTheErrorReported()
    {
        var pause = new FakePause("pg-test-primary");
        var host = new FakeHost(new FakeMethod((_, _) => throw new SwitchoverException("Patroni refused the switchover (412): no good")), pause);

        var result = await Coordinator(host).SwitchoverAsync("pg-test", "pg-test-2", SwitchoverOptions.Default, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal("Patroni refused the switchover (412): no good", result.Error);
        Assert.Equal(["hold switchover of pg-test", "release switchover of pg-test"], pause.Calls);
        Assert.Empty(host.Followed);
        Assert.Contains("switchover of pg-test failed: Patroni refused the switchover (412): no good", host.Events);
    }

    [Fact]
    public async Task Switchover_OneAlreadyUnderWay_SecondRefused()
    {
        var gate = new TaskCompletionSource<Instance>();
        var host = new FakeHost(new FakeMethod((_, _) => gate.Task));
        var coordinator = Coordinator(host);

        var first = coordinator.SwitchoverAsync("pg-test", "pg-test-2", SwitchoverOptions.Default, CancellationToken.None);
        var second = await coordinator.SwitchoverAsync("pg-test", "pg-test-3", SwitchoverOptions.Default, CancellationToken.None);
        gate.SetResult(Named("pg-test-2"));

        Assert.Equal("a switchover of pg-test is already under way", second.Error);
        Assert.True((await first).Succeeded);
    }
}
