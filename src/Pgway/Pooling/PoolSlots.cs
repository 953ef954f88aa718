namespace Pgway.Pooling;

/// <summary>
/// A pool's count of servers (open, or being connected) against its own size and the budgets it
/// shares with other pools (<c>max_db_connections</c>, <c>max_user_connections</c>): a slot is taken
/// from all three at once, or from none. Changed under the pool's lock; <see cref="Total"/> may be
/// read without it.
/// </summary>
internal sealed class PoolSlots(ConnectionBudget databaseBudget, ConnectionBudget userBudget)
{
    private int total;

    public ConnectionBudget DatabaseBudget { get; } = databaseBudget;

    public ConnectionBudget UserBudget { get; } = userBudget;

    public int Total => Volatile.Read(ref total);

    /// <summary>A slot, if the pool (with the reserve, for a client that waited long enough) and both budgets have room.</summary>
    public bool TryTake(PoolLimits limits, bool reserve)
    {
        if (total >= limits.Size + (reserve ? limits.ReserveSize : 0) || !DatabaseBudget.TryTake())
        {
            return false;
        }
        if (!UserBudget.TryTake())
        {
            DatabaseBudget.Return();
            return false;
        }
        Volatile.Write(ref total, total + 1);
        return true;
    }

    public void Return()
    {
        Volatile.Write(ref total, total - 1);
        DatabaseBudget.Return();
        UserBudget.Return();
    }

    /// <summary>
    /// After <see cref="TryTake"/> failed: the shared budget that refused although the pool itself had
    /// room, so that the pooler can free it by closing another pool's idle server; null when the pool is full.
    /// </summary>
    public ConnectionBudget? Blocking(PoolLimits limits, bool reserve) =>
        total < limits.Size + (reserve ? limits.ReserveSize : 0)
            ? DatabaseBudget.Exhausted ? DatabaseBudget : UserBudget.Exhausted ? UserBudget : null
            : null;

    /// <summary>
    /// A reload lowered <c>pool_size</c> (with the reserve), <c>max_db_connections</c> or
    /// <c>max_user_connections</c> below what is open: a released server is closed rather than kept.
    /// </summary>
    public bool OverLimits(PoolLimits limits) =>
        Total > limits.Size + limits.ReserveSize
        || (DatabaseBudget.Limit > 0 && DatabaseBudget.Used > DatabaseBudget.Limit)
        || (UserBudget.Limit > 0 && UserBudget.Used > UserBudget.Limit);
}
