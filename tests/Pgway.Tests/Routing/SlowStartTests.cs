using Pgway.Routing;

namespace Pgway.Tests.Routing;

public class SlowStartTests
{
    private static readonly DateTimeOffset Up = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(15, 0.5)]
    [InlineData(30, 1.0)]
    [InlineData(45, 1.0)]
    public void Share_AfterRecovery_RampsLinearlyOverTheSlowstart(int seconds, double expected)
    {
        Assert.Equal(expected, SlowStart.Share(Up, Up.AddSeconds(seconds), TimeSpan.FromSeconds(30)), 3);
    }

    [Fact]
    public void Share_UpSinceStartOrNoSlowstart_Full()
    {
        Assert.Equal(1, SlowStart.Share(null, Up, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, SlowStart.Share(Up, Up, TimeSpan.Zero));
    }

    [Theory]
    [InlineData(100, 0.0, 1)]      // never starved while up
    [InlineData(100, 0.25, 25)]
    [InlineData(100, 1.0, 100)]
    [InlineData(0, 0.5, 0)]        // weight 0 stays out of balancing
    public void Weight_Share_ScaledAtLeastOne(int weight, double share, int expected)
    {
        Assert.Equal(expected, SlowStart.Weight(weight, share));
    }

    [Theory]
    [InlineData(3000, 0.5, 1500)]
    [InlineData(3000, 0.0, 1)]
    [InlineData(0, 0.5, 0)]        // unlimited stays unlimited
    public void MaxConn_Share_ScaledAtLeastOne(int maxConn, double share, int expected)
    {
        Assert.Equal(expected, SlowStart.MaxConn(maxConn, share));
    }
}
