using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pgway.Model;
using Pgway.Vip;

namespace Pgway.Tests.Vip;

/// <summary>
/// One cluster's VIP on fake time with a fake interface table, announcer and leadership: each step decides afresh
/// and puts the interface right.
/// </summary>
public sealed class VipKeeperTests
{
    private const string Local = "pg-x-1";
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);
    private static readonly ClusterVip Vip = new(IPAddress.Parse("10.0.0.9"), 24, null, Grace, default);

    private readonly FakeTimeProvider time = new(Start);
    private readonly FakeAddressTable table = new();
    private readonly FakeLeadership leadership = new();
    private readonly FakeAnnouncer announcer;
    private readonly VipKeeper keeper;

    public VipKeeperTests()
    {
        announcer = new FakeAnnouncer(time);
        var local = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary }, 10.0.0.2: { pg_seq: 2, pg_role: replica } }
                  vars: { pg_cluster: pg-x }
            """).Clusters[0].Instances[0];
        keeper = new VipKeeper("pg-x", Vip, local, leadership, table, announcer, VipOptions.Default, time, NullLogger.Instance);
    }

    private static VipSignal Leader(string? leader, bool localPrimary = true, long epoch = 0) =>
        new(VipDcsState.Connected, leader, null, localPrimary, localPrimary ? "" : "DOWN 0/2, L7STS/503: replica", LeaderEpoch: epoch);

    private bool Present => table.Present.Contains(("eth9", Vip.Address));

    // Steps as the runner would, until the given time: each step says when the next is due.
    private void RunUntil(TimeSpan elapsed)
    {
        var end = Start + elapsed;
        while (true)
        {
            var wait = keeper.Step();
            if (time.GetUtcNow() + wait > end)
            {
                time.SetUtcNow(end);
                keeper.Step();
                return;
            }
            time.Advance(wait);
        }
    }

    [Fact]
    public void Step_LeaderKeyNamesUsAndLocalPrimary_AddsAndAnnouncesFourTimesSpaced()
    {
        leadership.Signal = Leader(Local);

        RunUntil(TimeSpan.FromSeconds(3));

        Assert.True(Present);
        Assert.Equal(["add 10.0.0.9/24 eth9"], table.Actions);
        Assert.Equal([0, 500, 1000, 1500], announcer.Sent.Select(t => (t - Start).TotalMilliseconds));
        var status = keeper.Status;
        Assert.True(status.Held);
        Assert.Equal(Start, status.LastMove);
        Assert.Equal(1, status.Moves);
        Assert.Equal(4, status.Announcements);
        Assert.Contains("names pg-x-1", status.LastMoveReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_LeaderMovesElsewhere_RemovedAtTheNextStep()
    {
        leadership.Signal = Leader(Local);
        keeper.Step();

        leadership.Signal = Leader("pg-x-2");
        keeper.Step();

        Assert.False(Present);
        Assert.Equal(["add 10.0.0.9/24 eth9", "del 10.0.0.9/24 eth9"], table.Actions);
        Assert.Equal("the leader is pg-x-2", keeper.Status.LastMoveReason);
        Assert.Equal(2, keeper.Status.Moves);
    }

    [Theory]
    [InlineData("Connected", "pg-x-1", false)]
    [InlineData("None", null, false)]
    [InlineData("Connected", null, true)]
    [InlineData("NotRead", null, true)]
    public void Step_NotLeaderOrLocalNotPrimary_Removed(string dcs, string? leader, bool localPrimary)
    {
        table.Present.Add(("eth9", Vip.Address));
        leadership.Signal = new VipSignal(Enum.Parse<VipDcsState>(dcs), leader, null, localPrimary, "DOWN 0/2, L4CON: connection refused");

        keeper.Step();

        Assert.False(Present);
        Assert.False(keeper.Status.Held);
        Assert.Empty(announcer.Sent);
    }

    [Fact]
    public void Step_NoDcsLocalHealthyPrimary_Holds()
    {
        leadership.Signal = new VipSignal(VipDcsState.None, null, null, true, "");

        keeper.Step();

        Assert.True(Present);
        Assert.Equal("pg-x-1 is a healthy primary (no DCS)", keeper.Status.Reason);
    }

    [Fact]
    public void Step_DcsLost_KeptForTheGraceThenRemoved()
    {
        leadership.Signal = Leader(Local);
        keeper.Step();
        leadership.Signal = new VipSignal(VipDcsState.Lost, Local, Start, true, "");

        time.Advance(Grace - TimeSpan.FromMilliseconds(1));
        var wait = keeper.Step();
        Assert.True(Present);
        Assert.Equal(TimeSpan.FromMilliseconds(1), wait);

        time.Advance(wait);
        keeper.Step();
        Assert.False(Present);
        Assert.Contains("past the 3 s grace", keeper.Status.LastMoveReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_DcsLostAndLocalNoLongerPrimary_RemovedWithoutWaitingForTheGrace()
    {
        leadership.Signal = Leader(Local);
        keeper.Step();

        leadership.Signal = new VipSignal(VipDcsState.Lost, Local, Start, false, "DOWN 0/2, L7STS/503: replica");
        keeper.Step();

        Assert.False(Present);
    }

    [Fact]
    public void Step_WatchLostThenReadAgainWithANewLeader_FollowsTheReadLeader()
    {
        leadership.Signal = new VipSignal(VipDcsState.Lost, "pg-x-2", Start, false, "DOWN");
        keeper.Step();
        Assert.False(Present);

        // The watch's retried GET read the key again: this node leads now.
        leadership.Signal = Leader(Local);
        keeper.Step();

        Assert.True(Present);
    }

    [Fact]
    public void Step_AddressRemovedBehindOurBack_ReconcileAddsAndAnnouncesAgain()
    {
        leadership.Signal = Leader(Local);
        RunUntil(TimeSpan.FromSeconds(3));
        table.Present.Clear();

        var wait = keeper.Step();

        Assert.True(Present);
        Assert.Equal(5, announcer.Sent.Count);
        Assert.Equal(VipOptions.Default.AnnounceSpacing, wait);
    }

    [Fact]
    public void Step_StrayCopyOnAnotherInterface_Removed()
    {
        leadership.Signal = Leader(Local);
        table.Present.Add(("eth7", Vip.Address));

        keeper.Step();

        Assert.Equal(["del 10.0.0.9/24 eth7", "add 10.0.0.9/24 eth9"], table.Actions);
        Assert.Equal(["eth9"], table.Holders(Vip.Address));
    }

    [Fact]
    public void Step_PresentAtStartWhileNotLeader_Removed()
    {
        table.Present.Add(("eth9", Vip.Address));
        leadership.Signal = Leader("pg-x-2");

        keeper.Step();

        Assert.False(Present);
        Assert.Equal(1, keeper.Status.Moves);
    }

    [Fact]
    public void Step_PresentAtStartWhileLeader_KeptAndAnnounced()
    {
        table.Present.Add(("eth9", Vip.Address));
        leadership.Signal = Leader(Local);

        keeper.Step();

        Assert.Empty(table.Actions);
        Assert.Single(announcer.Sent);
        Assert.True(keeper.Status.Held);
    }

    [Fact]
    public void Stop_WhileHeld_NextStepRemoves()
    {
        leadership.Signal = Leader(Local);
        keeper.Step();

        keeper.Stop("pgway is stopping");
        keeper.Step();

        Assert.False(Present);
        Assert.Equal("pgway is stopping", keeper.Status.LastMoveReason);
    }

    [Fact]
    public void Step_AddNotPermitted_ErrorInStatusRetriedNextStep()
    {
        leadership.Signal = Leader(Local);
        table.FailWith = "not permitted: pgway needs CAP_NET_ADMIN";

        var wait = keeper.Step();

        Assert.False(keeper.Status.Held);
        Assert.Equal("not permitted: pgway needs CAP_NET_ADMIN", keeper.Status.Error);
        Assert.Equal(VipOptions.Default.ReconcileInterval, wait);

        table.FailWith = null;
        time.Advance(wait);
        keeper.Step();
        Assert.True(keeper.Status.Held);
        Assert.Null(keeper.Status.Error);
    }

    [Fact]
    public void Step_NoInterface_ErrorNamesWhy()
    {
        leadership.Signal = Leader(Local);
        table.ResolveError = "no interface of this node holds its inventory address 10.0.0.1";

        keeper.Step();

        Assert.False(Present);
        Assert.Equal("no interface of this node holds its inventory address 10.0.0.1", keeper.Status.Error);
    }

    [Fact]
    public void Step_AnotherHostStillAnswers_WaitsForItToLetGoThenAdds()
    {
        leadership.Signal = Leader(Local);
        announcer.OtherHolders.Add("02:00:00:00:00:0b");

        var wait = keeper.Step();

        Assert.False(Present);
        Assert.Empty(table.Actions);
        Assert.False(keeper.Status.Held);
        Assert.Contains("waiting for 02:00:00:00:00:0b to let the VIP go", keeper.Status.Reason, StringComparison.Ordinal);
        Assert.Equal(VipOptions.HandOverPoll, wait);

        announcer.OtherHolders.Clear();
        time.Advance(wait);
        keeper.Step();

        Assert.True(Present);
        Assert.Equal(["add 10.0.0.9/24 eth9"], table.Actions);
        Assert.Equal(2, announcer.Probes.Count);
    }

    [Fact]
    public void Step_AnotherHostNeverLetsGo_AddedAfterTheTakeoverWait()
    {
        leadership.Signal = Leader(Local);
        announcer.OtherHolders.Add("02:00:00:00:00:0b");

        RunUntil(VipOptions.Default.TakeoverWait - TimeSpan.FromMilliseconds(1));
        Assert.False(Present);

        RunUntil(VipOptions.Default.TakeoverWait + TimeSpan.FromSeconds(1));
        Assert.True(Present);
        Assert.Equal(["add 10.0.0.9/24 eth9"], table.Actions);
    }

    [Fact]
    public void Step_LeaderMovesWhilePooledClientsBusy_KeptUntilTheyAreAnsweredThenRemoved()
    {
        leadership.Signal = Leader(Local);
        keeper.Step();

        leadership.Signal = Leader("pg-x-2") with { PooledClientsBusy = true, PooledClientsConnected = true };
        var wait = keeper.Step();

        Assert.True(Present);
        Assert.True(keeper.Status.Held);
        Assert.StartsWith("handing over (the leader is pg-x-2)", keeper.Status.Reason, StringComparison.Ordinal);
        Assert.Equal(VipOptions.HandOverPoll, wait);

        leadership.Signal = Leader("pg-x-2");
        time.Advance(wait);
        keeper.Step();

        Assert.False(Present);
        Assert.Equal(["add 10.0.0.9/24 eth9", "del 10.0.0.9/24 eth9"], table.Actions);
    }

    [Fact]
    public void Step_PooledClientsBusyForever_RemovedAfterTheHandOverKeep()
    {
        leadership.Signal = Leader(Local);
        keeper.Step();
        leadership.Signal = Leader("pg-x-2") with { PooledClientsBusy = true, PooledClientsConnected = true };

        RunUntil(VipOptions.Default.HandOverKeep - TimeSpan.FromMilliseconds(1));
        Assert.True(Present);

        RunUntil(VipOptions.Default.HandOverKeep + TimeSpan.FromSeconds(1));
        Assert.False(Present);
    }

    [Theory]
    [InlineData("Lost")]
    [InlineData("NotRead")]
    public void Step_DcsNotReadWhilePooledClientsBusy_NoHandOverKeep(string dcs)
    {
        leadership.Signal = Leader(Local);
        keeper.Step();
        time.Advance(TimeSpan.FromSeconds(10));

        // Lost past the grace: a node cut off from the DCS gets no more time for its clients.
        leadership.Signal = new VipSignal(Enum.Parse<VipDcsState>(dcs), Local, Start, true, "", PooledClientsBusy: true);
        keeper.Step();

        Assert.False(Present);
    }

    [Fact]
    public void Step_PooledClientsConnectedButIdle_KeptForTheIdleBoundOnly()
    {
        leadership.Signal = Leader(Local);
        keeper.Step();
        leadership.Signal = Leader("pg-x-2") with { PooledClientsConnected = true };

        RunUntil(VipOptions.Default.HandOverIdleKeep - TimeSpan.FromMilliseconds(1));
        Assert.True(Present);

        RunUntil(VipOptions.Default.HandOverIdleKeep + TimeSpan.FromMilliseconds(100));
        Assert.False(Present);
    }

    [Fact]
    public void Step_NotOursAndNotHeld_BusyClientsDoNotAddIt()
    {
        leadership.Signal = Leader("pg-x-2") with { PooledClientsBusy = true, PooledClientsConnected = true };

        keeper.Step();

        Assert.False(Present);
        Assert.Empty(table.Actions);
    }

    [Fact]
    public void Step_LeaderlessThenTheKeyNamesUs_AddedWithoutProbingAgain()
    {
        leadership.Signal = Leader(null, epoch: 1);
        keeper.Step();
        Assert.Single(announcer.Probes);

        time.Advance(TimeSpan.FromMilliseconds(120));
        leadership.Signal = Leader(Local, epoch: 2);
        keeper.Step();

        Assert.True(Present);
        Assert.Single(announcer.Probes);
        Assert.Contains("added without a probe: nobody answered for it 120 ms before", keeper.Status.LastMoveReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_LeaderlessProbeHearsAnotherHolder_ProbesAgainBeforeAdding()
    {
        announcer.OtherHolders.Add("02:00:00:00:00:0b");
        leadership.Signal = Leader(null, epoch: 1);
        keeper.Step();

        announcer.OtherHolders.Clear();
        leadership.Signal = Leader(Local, epoch: 2);
        keeper.Step();

        Assert.True(Present);
        Assert.Equal(2, announcer.Probes.Count);
        Assert.DoesNotContain("without a probe", keeper.Status.LastMoveReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 100)]   // the key named another member in between, unseen by any step: that node's pgway may have added it
    [InlineData(2, 1500)]  // the probe that found nobody is older than VacancyTrust
    public void Step_VacancyNotTrusted_ProbesBeforeAdding(long epochWhenNamed, int millisecondsLater)
    {
        leadership.Signal = Leader(null, epoch: 1);
        keeper.Step();

        time.Advance(TimeSpan.FromMilliseconds(millisecondsLater));
        leadership.Signal = Leader(Local, epoch: epochWhenNamed);
        keeper.Step();

        Assert.True(Present);
        Assert.Equal(2, announcer.Probes.Count);
    }

    [Fact]
    public void Step_DcsLostAfterTheVacancyProbe_ProbesBeforeAdding()
    {
        leadership.Signal = Leader(null, epoch: 1);
        keeper.Step();

        // Lost and read again (two counts) while no step ran: what the key said meanwhile is unknown.
        leadership.Signal = Leader(Local, epoch: 3);
        keeper.Step();

        Assert.Equal(2, announcer.Probes.Count);
    }

    [Fact]
    public void Step_Leaderless_ProbesOnlyEveryVacancyRefresh()
    {
        leadership.Signal = Leader(null, epoch: 1);

        RunUntil(TimeSpan.FromSeconds(1));

        Assert.Equal([0, 250, 500, 750, 1000], announcer.Probes.Select(t => (t - Start).TotalMilliseconds));
        Assert.False(Present);
    }

    [Fact]
    public void Step_LeaderlessPastVacancyFastFor_ProbesOnlyEveryVacancySlowRefresh()
    {
        leadership.Signal = Leader(null, epoch: 1);

        RunUntil(TimeSpan.FromSeconds(45));

        var seconds = announcer.Probes.Select(t => (t - Start).TotalSeconds).ToList();
        Assert.Equal(120, seconds.Count(s => s < 30)); // every 250 ms for the first 30 s
        Assert.Equal([34.75, 39.75, 44.75], seconds.Where(s => s >= 30));
        Assert.False(Present);
    }

    [Fact]
    public void Step_LeaderNamedThenLeaderlessAgain_ProbesFastAgain()
    {
        leadership.Signal = Leader(null, epoch: 1);
        RunUntil(TimeSpan.FromSeconds(40));
        leadership.Signal = Leader("pg-x-2", epoch: 2);
        RunUntil(TimeSpan.FromSeconds(41));
        leadership.Signal = Leader(null, epoch: 3);
        announcer.Probes.Clear();

        RunUntil(TimeSpan.FromSeconds(42));

        Assert.Equal(5, announcer.Probes.Count);
    }

    [Fact]
    public void Step_KeyNamesAnotherMember_NoProbes()
    {
        leadership.Signal = Leader("pg-x-2", epoch: 1);

        RunUntil(TimeSpan.FromSeconds(3));

        Assert.Empty(announcer.Probes);
    }
}
