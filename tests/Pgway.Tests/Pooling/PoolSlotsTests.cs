using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

/// <summary>A pool's slots against its size, its reserve and the budgets it shares.</summary>
public sealed class PoolSlotsTests
{
    private static PoolLimits Limits(int size, int reserve = 0) =>
        new(size, 0, reserve, TimeSpan.FromSeconds(5), TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(15));

    [Fact]
    public void TryTake_UpToSizeThenTheReserveOnlyWhenAskedFor()
    {
        var slots = new PoolSlots(new ConnectionBudget("max_db_connections", 0), new ConnectionBudget("max_user_connections", 0));

        Assert.True(slots.TryTake(Limits(1, reserve: 1), reserve: false));
        Assert.False(slots.TryTake(Limits(1, reserve: 1), reserve: false));
        Assert.Null(slots.Blocking(Limits(1, reserve: 1), reserve: false));
        Assert.True(slots.TryTake(Limits(1, reserve: 1), reserve: true));
        Assert.False(slots.TryTake(Limits(1, reserve: 1), reserve: true));
        Assert.Equal(2, slots.Total);
    }

    [Fact]
    public void TryTake_UserBudgetRefuses_DatabaseBudgetGivenBack()
    {
        var (database, user) = (new ConnectionBudget("max_db_connections", 5), new ConnectionBudget("max_user_connections", 1));
        var slots = new PoolSlots(database, user);
        Assert.True(slots.TryTake(Limits(5), reserve: false));

        Assert.False(slots.TryTake(Limits(5), reserve: false));

        Assert.Equal((1, 1, 1), (slots.Total, database.Used, user.Used));
        Assert.Same(user, slots.Blocking(Limits(5), reserve: false));
        slots.Return();
        Assert.Equal((0, 0, 0), (slots.Total, database.Used, user.Used));
    }

    [Fact]
    public void OverLimits_AfterALimitIsLowered()
    {
        var database = new ConnectionBudget("max_db_connections", 0);
        var slots = new PoolSlots(database, new ConnectionBudget("max_user_connections", 0));
        Assert.True(slots.TryTake(Limits(2), reserve: false));
        Assert.True(slots.TryTake(Limits(2), reserve: false));

        Assert.False(slots.OverLimits(Limits(2)));
        Assert.True(slots.OverLimits(Limits(1)));
        Assert.False(slots.OverLimits(Limits(1, reserve: 1)));
        database.Limit = 1;
        Assert.True(slots.OverLimits(Limits(2)));
    }
}
