using Pgway.Health;

namespace Pgway.Tests.Health;

// Following Patroni's leader key: members of primary-check services move at once, replica services wait for their checks.
public partial class HealthMonitorTests
{
    private const string PrimaryAndReplica = """
                  - { name: primary, port: 5501, selector: "[]", check: /primary, options: "inter 60s fastinter 60s downinter 60s rise 3 fall 3" }
                  - { name: replica, port: 5502, selector: "[]", check: /read-only, options: "inter 60s fastinter 60s downinter 60s rise 3 fall 3" }
        """;

    [Fact]
    public async Task FollowLeader_NewLeader_OldLeaderDownNewLeaderUpAtOnceWithDcsReason()
    {
        var probes = new ScriptedProbes(time);
        await using var monitor = Monitor(Inventory(PrimaryAndReplica), probes);
        var changes = new List<HealthEvent>();
        monitor.StateChanged += changes.Add;
        var first = monitor.FollowLeader("pg-test", "pg-test-1");
        var one = monitor.Find("pg-test-primary", "pg-test-1")!;
        var two = monitor.Find("pg-test-primary", "pg-test-2")!;
        Assert.True(one.Snapshot.IsUp);
        Assert.False(two.Snapshot.IsUp);
        var down = Assert.Single(first);
        Assert.Equal(("pg-test-primary", "pg-test-2", MemberHealthState.Down), (down.Service, down.Member, down.To));

        var second = monitor.FollowLeader("pg-test", "pg-test-2");

        Assert.False(one.Snapshot.IsUp);
        Assert.Equal("DOWN", one.Snapshot.Status);
        Assert.True(two.Snapshot.IsUp);
        Assert.Equal("UP", two.Snapshot.Status);
        Assert.Equal(2, second.Count);
        Assert.All(second, c => Assert.Equal(CheckStatus.Dcs, c.Result.Status));
        Assert.Equal("pg-test-primary/pg-test-1 is DOWN, reason: DCS, info: leader is pg-test-2", second.Single(c => c.Member == "pg-test-1").ToString());
        Assert.Equal([.. first, .. second], changes);
        // Replica services are left to their checks.
        Assert.All(monitor.Members.Where(m => m.Service.Name == "replica"), m => Assert.True(m.Snapshot.IsUp));
    }

    // A monitor of PrimaryAndReplica, not started, that has followed the leader once.
    private HealthMonitor LedBy(string leader)
    {
        var monitor = Monitor(Inventory(PrimaryAndReplica), new ScriptedProbes(time));
        monitor.FollowLeader("pg-test", leader);
        return monitor;
    }

    [Fact]
    public async Task FollowLeader_NoLeader_EveryPrimaryServiceMemberDown()
    {
        await using var monitor = LedBy("pg-test-1");

        var changes = monitor.FollowLeader("pg-test", null);

        var change = Assert.Single(changes);
        Assert.Equal(("pg-test-1", MemberHealthState.Down, "no leader in the DCS"), (change.Member, change.To, change.Result.Detail));
        Assert.All(monitor.Members.Where(m => m.Service.Name == "primary"), m => Assert.False(m.Snapshot.IsUp));
    }

    [Fact]
    public async Task FollowLeader_SameLeaderAgainOrOtherCluster_NoChange()
    {
        await using var monitor = LedBy("pg-test-1");

        Assert.Empty(monitor.FollowLeader("pg-test", "pg-test-1"));
        Assert.Empty(monitor.FollowLeader("pg-other", null));
    }

    [Fact]
    public async Task FollowLeader_ThenChecksFail_ChecksKeepDeciding()
    {
        var probes = new ScriptedProbes(time);
        await using var monitor = Monitor(Inventory(PrimaryAndReplica), probes);
        var two = monitor.Find("pg-test-primary", "pg-test-2")!;
        var probe = probes.Created.Values.Single(p => p.Target.Address == "10.10.10.12" && p.Target.Path == "/primary");
        probe.Otherwise = false;
        monitor.FollowLeader("pg-test", "pg-test-2");
        Assert.Equal("UP", two.Snapshot.Status);

        monitor.Start();

        // Fully up: the first failed check takes it only to "UP 2/3", not down.
        await WaitFor(() => two.Snapshot.LastResult is not null);
        Assert.Equal("UP 2/3", two.Snapshot.Status);
    }
}
