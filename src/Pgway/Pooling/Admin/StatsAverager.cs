namespace Pgway.Pooling.Admin;

/// <summary>
/// SHOW STATS_AVERAGES as PgBouncer computes them: every <c>stats_period</c> the totals per database
/// are compared with those of the period before; counts and bytes become per-second rates, and the
/// transaction and query times averages per transaction and per query (wait time per second). Until
/// a first period has passed, every average is zero. Ticked by the pooler's sweep.
/// </summary>
internal sealed class StatsAverager
{
    private readonly Lock gate = new();
    private DateTimeOffset lastAt;
    private SortedDictionary<string, PoolStatisticsSnapshot> last = new(StringComparer.Ordinal);
    private Dictionary<string, PoolStatisticsSnapshot> averages = new(StringComparer.Ordinal);

    public static readonly PoolStatisticsSnapshot Zero = new(0, 0, 0, 0, 0, 0, 0);

    public static PoolStatisticsSnapshot Add(PoolStatisticsSnapshot a, PoolStatisticsSnapshot b) => new(
        a.TotalTransactionCount + b.TotalTransactionCount, a.TotalQueryCount + b.TotalQueryCount, a.TotalReceived + b.TotalReceived,
        a.TotalSent + b.TotalSent, a.TotalTransactionTime + b.TotalTransactionTime, a.TotalQueryTime + b.TotalQueryTime, a.TotalWaitTime + b.TotalWaitTime);

    /// <summary>The averages of <paramref name="database"/> over the last whole period (zero before the first).</summary>
    public PoolStatisticsSnapshot Of(string database)
    {
        lock (gate)
        {
            return averages.GetValueOrDefault(database, Zero);
        }
    }

    /// <summary>From the sweep: when a period has passed since the last, the averages over it replace the previous ones.</summary>
    public void Tick(DateTimeOffset now, TimeSpan period, Pooler pooler)
    {
        if (lastAt != default && now - lastAt < period)
        {
            return;
        }
        var current = pooler.DatabaseTotals();
        if (lastAt == default)
        {
            (lastAt, last) = (now, current);
            return;
        }
        var seconds = (now - lastAt).TotalSeconds;
        var computed = new Dictionary<string, PoolStatisticsSnapshot>(StringComparer.Ordinal);
        foreach (var (database, totals) in current)
        {
            computed[database] = Average(totals, last.GetValueOrDefault(database, Zero), seconds);
        }
        lock (gate)
        {
            averages = computed;
        }
        (lastAt, last) = (now, current);
    }

    /// <summary>PgBouncer's arithmetic over one period of <paramref name="seconds"/>.</summary>
    public static PoolStatisticsSnapshot Average(PoolStatisticsSnapshot now, PoolStatisticsSnapshot before, double seconds)
    {
        if (seconds <= 0)
        {
            return Zero;
        }
        var transactions = now.TotalTransactionCount - before.TotalTransactionCount;
        var queries = now.TotalQueryCount - before.TotalQueryCount;
        return new PoolStatisticsSnapshot(
            (long)(transactions / seconds),
            (long)(queries / seconds),
            (long)((now.TotalReceived - before.TotalReceived) / seconds),
            (long)((now.TotalSent - before.TotalSent) / seconds),
            transactions > 0 ? (now.TotalTransactionTime - before.TotalTransactionTime) / transactions : 0,
            queries > 0 ? (now.TotalQueryTime - before.TotalQueryTime) / queries : 0,
            (long)((now.TotalWaitTime - before.TotalWaitTime) / seconds));
    }
}
