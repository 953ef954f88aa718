using Pgway.Health;

namespace Pgway.Tests.Health;

// Fencing: a member down in every service at once, kept down by its checks and the DCS until cleared.
public partial class HealthMonitorTests
{
    [Fact]
    public async Task Fence_Member_DownEverywhereMaintStatusEventsPublished()
    {
        await using var monitor = LedBy("pg-test-1");
        var changes = new List<HealthEvent>();
        monitor.StateChanged += changes.Add;

        var fenced = monitor.Fence("pg-test-1", "switched over from");

        Assert.Equal(2, fenced.Count);
        Assert.Equal(fenced, changes);
        Assert.All(monitor.Members.Where(m => m.Member.Name == "pg-test-1"), m => Assert.Equal(("MAINT", false, true), (m.Snapshot.Status, m.Snapshot.IsUp, m.Snapshot.Fenced)));
        Assert.Equal("pg-test-replica/pg-test-1 is DOWN, reason: MAINT, info: switched over from", fenced.Single(c => c.Service == "pg-test-replica").ToString());
        Assert.Equal("switched over from", monitor.Fenced["pg-test-1"]);
    }

    [Fact]
    public async Task Fence_ChecksPassAndDcsNamesIt_StaysDownUntilUnfenced()
    {
        var probes = new ScriptedProbes(time);
        await using var monitor = Monitor(Inventory(PrimaryAndReplica), probes);
        var one = monitor.Find("pg-test-primary", "pg-test-1")!;
        monitor.Fence("pg-test-1", "switched over from");

        Assert.DoesNotContain(monitor.FollowLeader("pg-test", "pg-test-1"), c => c.Member == "pg-test-1");
        monitor.Start();
        await WaitFor(() => one.Snapshot.LastResult is not null);
        Assert.Equal("MAINT", one.Snapshot.Status);
        Assert.False(one.Snapshot.IsUp);

        Assert.True(monitor.Unfence("pg-test-1"));
        Assert.False(monitor.Unfence("pg-test-1"));
        Assert.Empty(monitor.Fenced);
        Assert.Equal("DOWN", one.Snapshot.Status);
    }
}
