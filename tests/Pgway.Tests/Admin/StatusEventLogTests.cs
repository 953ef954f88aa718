using Pgway.Admin;
using Pgway.Health;

namespace Pgway.Tests.Admin;

public sealed class StatusEventLogTests
{
    private static readonly DateTimeOffset Now = StatusSamples.Now;

    private static HealthEvent Change(int second, string member, MemberHealthState from, MemberHealthState to) =>
        new(Now.AddSeconds(second), "pg-test-replica", member, from, to,
            to == MemberHealthState.Down ? default(HealthCounter) with { Rise = 3, Fall = 3, Checked = true } : HealthCounter.Initial(3, 3),
            new CheckResult(CheckStatus.L4Connection, null, TimeSpan.FromMilliseconds(2), Now.AddSeconds(second), "connection refused"));

    [Fact]
    public void Latest_Empty_NoEvents() => Assert.Empty(new StatusEventLog().Latest());

    [Fact]
    public void Latest_FewerThanCapacity_AllOldestFirst()
    {
        var log = new StatusEventLog(capacity: 4);

        log.Add(Change(1, "pg-test-2", MemberHealthState.Up, MemberHealthState.Down));
        log.Add(Change(2, "pg-test-3", MemberHealthState.Up, MemberHealthState.GoingDown));

        Assert.Equal([(1L, "pg-test-2"), (2L, "pg-test-3")], log.Latest().Select(e => (e.Id, e.Member)));
    }

    [Fact]
    public void Latest_MoreThanCapacity_OnlyTheLastOldestFirst()
    {
        var log = new StatusEventLog(capacity: 3);

        for (var i = 1; i <= 7; i++)
        {
            log.Add(Change(i, $"pg-test-{i}", MemberHealthState.Up, MemberHealthState.Down));
        }

        var latest = log.Latest();
        Assert.Equal([5L, 6L, 7L], latest.Select(e => e.Id));
        Assert.Equal(["pg-test-5", "pg-test-6", "pg-test-7"], latest.Select(e => e.Member));
    }

    [Fact]
    public void Add_MemberWentDown_StateNamesAndHaproxyWording()
    {
        var log = new StatusEventLog();

        log.Add(Change(1, "pg-test-2", MemberHealthState.GoingDown, MemberHealthState.Down));

        var added = Assert.Single(log.Latest());
        Assert.Equal(("going-down", "down", "pg-test-replica"), (added.From, added.To, added.Service));
        Assert.Equal(Now.AddSeconds(1), added.Time);
        Assert.Equal("pg-test-replica/pg-test-2 is DOWN, reason: L4CON, info: connection refused, check duration: 2ms", added.Message);
    }

    [Fact]
    public void New_DefaultCapacity_AHundred() => Assert.Equal(100, new StatusEventLog().Capacity);
}
