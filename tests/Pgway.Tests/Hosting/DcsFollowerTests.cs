using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pgway.Dcs;
using Pgway.Hosting;
using Pgway.Model;
using Pgway.Switchover;

namespace Pgway.Tests.Hosting;

/// <summary>Following Patroni's leader key against fake routing: the hold without a leader, and how it ends.</summary>
public sealed class DcsFollowerTests
{
    private static readonly Topology Topology = TestInventories.LoadValid("""
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
              vars: { pg_cluster: pg-test }
        """);

    private sealed class FakePause(string name) : ISwitchoverPause
    {
        public string Name => name;

        public int InFlight => 0;

        public List<string> Calls { get; } = [];

        public void Hold(string holder) => Calls.Add($"hold {holder}");

        public void Release(string holder) => Calls.Add($"release {holder}");
    }

    private sealed class FakeRouting(TimeSpan queryWaitTimeout, params ISwitchoverPause[] pools) : ILeaderRouting
    {
        public List<string> Followed { get; } = [];

        public TaskCompletionSource Writable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> WaitedFor { get; } = [];

        public Instance? FindLeader(string cluster, string leader) =>
            Topology.Clusters.Single(c => c.Name == cluster).Instances.FirstOrDefault(i => i.Name == leader);

        public void FollowLeader(string cluster, string? leader) => Followed.Add(leader ?? "(none)");

        public (IReadOnlyList<ISwitchoverPause> Services, TimeSpan QueryWaitTimeout) PrimaryPools(string cluster) => (pools, queryWaitTimeout);

        public Task WaitWritableAsync(Instance leader, CancellationToken cancellationToken)
        {
            WaitedFor.Add(leader.Name);
            return Writable.Task.WaitAsync(cancellationToken);
        }
    }

    private static DcsFollower Follower(FakeRouting routing, TimeProvider time) =>
        new(Topology.Clusters, routing, DcsWatchOptions.Default, time, NullLoggerFactory.Instance);

    [Fact]
    public async Task NoLeader_PoolsHeldUntilTheNewLeaderTakesWrites()
    {
        var pool = new FakePause("pg-test-primary");
        var routing = new FakeRouting(TimeSpan.FromSeconds(120), pool);
        await using var follower = Follower(routing, new FakeTimeProvider());

        follower.Follow("pg-test", null, fromDcs: true);

        Assert.Equal(["(none)"], routing.Followed);
        Assert.Equal(["hold no leader in the DCS"], pool.Calls);
        Assert.Equal(["pg-test"], follower.HeldClusters);

        follower.Follow("pg-test", "pg-test-2", fromDcs: true);

        Assert.Equal(["(none)", "pg-test-2"], routing.Followed);
        Assert.Equal(["pg-test-2"], routing.WaitedFor);
        Assert.Equal(["hold no leader in the DCS"], pool.Calls);
        routing.Writable.SetResult();
        await Eventually(() => follower.HeldClusters.Count == 0);
        Assert.Equal(["hold no leader in the DCS", "release no leader in the DCS"], pool.Calls);
    }

    [Fact]
    public async Task NoLeader_NoneNamedWithinQueryWaitTimeout_ReleasedThen()
    {
        var pool = new FakePause("pg-test-primary");
        var time = new FakeTimeProvider();
        var routing = new FakeRouting(TimeSpan.FromSeconds(30), pool);
        await using var follower = Follower(routing, time);

        follower.Follow("pg-test", null, fromDcs: true);
        time.Advance(TimeSpan.FromSeconds(29));

        Assert.Equal(["pg-test"], follower.HeldClusters);
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually(() => follower.HeldClusters.Count == 0);
        Assert.Equal(["hold no leader in the DCS", "release no leader in the DCS"], pool.Calls);
    }

    [Fact]
    public async Task NoLeader_NoQueryWaitTimeout_HeldForTheDefaultLimit()
    {
        var pool = new FakePause("pg-test-primary");
        var time = new FakeTimeProvider();
        await using var follower = Follower(new FakeRouting(TimeSpan.Zero, pool), time);

        follower.Follow("pg-test", null, fromDcs: true);
        time.Advance(DcsFollower.DefaultHoldLimit - TimeSpan.FromSeconds(1));

        Assert.Equal(["pg-test"], follower.HeldClusters);
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually(() => follower.HeldClusters.Count == 0);
    }

    [Fact]
    public async Task LeaderBack_NotAHostedInstance_ReleasedAtOnce()
    {
        var pool = new FakePause("pg-test-primary");
        var routing = new FakeRouting(TimeSpan.FromSeconds(120), pool);
        await using var follower = Follower(routing, new FakeTimeProvider());

        follower.Follow("pg-test", null, fromDcs: true);
        follower.Follow("pg-test", "pg-test-9", fromDcs: true);

        Assert.Empty(follower.HeldClusters);
        Assert.Empty(routing.WaitedFor);
        Assert.Equal(["hold no leader in the DCS", "release no leader in the DCS"], pool.Calls);
    }

    [Fact]
    public async Task LeaderNamedBySwitchover_FollowedWithoutAHold()
    {
        var pool = new FakePause("pg-test-primary");
        var routing = new FakeRouting(TimeSpan.FromSeconds(120), pool);
        await using var follower = Follower(routing, new FakeTimeProvider());

        follower.FollowNow("pg-test", "pg-test-2");

        Assert.Equal(["pg-test-2"], routing.Followed);
        Assert.Empty(pool.Calls);
        Assert.Empty(follower.HeldClusters);
    }

    [Fact]
    public async Task Dispose_WhileHeld_ReleasesAndFollowsNoMore()
    {
        var pool = new FakePause("pg-test-primary");
        var routing = new FakeRouting(TimeSpan.FromSeconds(120), pool);
        var follower = Follower(routing, new FakeTimeProvider());
        follower.Follow("pg-test", null, fromDcs: true);

        await follower.DisposeAsync();
        follower.Follow("pg-test", null, fromDcs: true);

        Assert.Equal(["hold no leader in the DCS", "release no leader in the DCS"], pool.Calls);
        Assert.Equal(["(none)"], routing.Followed);
    }

    [Fact]
    public async Task NoDcs_NoWatchesAndNoMetrics()
    {
        await using var follower = Follower(new FakeRouting(TimeSpan.Zero), new FakeTimeProvider());

        Assert.Empty(follower.Watches);
        Assert.Null(follower.WatchOf("pg-test"));
        Assert.Equal("", follower.Metrics());
    }

    // The release runs on a continuation of the fake time's timer or of the writable wait, maybe on another thread.
    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 30 s");
            await Task.Delay(10);
        }
    }
}
