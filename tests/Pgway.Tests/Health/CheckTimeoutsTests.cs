using Pgway.Health;

namespace Pgway.Tests.Health;

public class CheckTimeoutsTests
{
    [Theory]
    // timeout check set: connect = min(timeout connect, inter), the answer gets timeout check on top.
    [InlineData(3000, 3000, 2000, 2000, 3000, 5000)]
    [InlineData(3000, 3000, 5000, 3000, 3000, 6000)]
    [InlineData(1000, 500, 2000, 1000, 500, 1500)]
    // timeout check unset: the interval bounds the whole check.
    [InlineData(3000, null, 2000, 2000, 2000, 2000)]
    public void For_Interval_FollowsHaproxyRule(int connectMs, int? checkMs, int intervalMs, int expectedConnectMs, int expectedResponseMs, int expectedTotalMs)
    {
        var timeouts = new CheckTimeouts(TimeSpan.FromMilliseconds(connectMs), checkMs is { } c ? TimeSpan.FromMilliseconds(c) : null);

        var deadlines = timeouts.For(TimeSpan.FromMilliseconds(intervalMs));

        Assert.Equal(expectedConnectMs, deadlines.Connect.TotalMilliseconds);
        Assert.Equal(expectedResponseMs, deadlines.Response.TotalMilliseconds);
        Assert.Equal(expectedTotalMs, deadlines.Total.TotalMilliseconds);
    }
}
