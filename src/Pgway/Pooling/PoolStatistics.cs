using System.Diagnostics;

namespace Pgway.Pooling;

/// <summary>
/// One pool's running totals, PgBouncer's SHOW STATS columns: transactions and queries with their
/// time, bytes each way, and time clients waited for a server. Updated by every loop's sessions
/// without locks; read as a <see cref="PoolStatisticsSnapshot"/>.
/// </summary>
internal sealed class PoolStatistics
{
    private long transactions;
    private long queries;
    private long received;
    private long sent;
    private long transactionTicks;
    private long queryTicks;
    private long waitTicks;

    public void AddReceived(int bytes) => Interlocked.Add(ref received, bytes);

    public void AddSent(int bytes) => Interlocked.Add(ref sent, bytes);

    /// <summary>A request answered (its ReadyForQuery), begun at <paramref name="startedAt"/> (Stopwatch ticks).</summary>
    public void AddQuery(long startedAt, long now)
    {
        Interlocked.Increment(ref queries);
        Interlocked.Add(ref queryTicks, now - startedAt);
    }

    /// <summary>A transaction ended (ReadyForQuery idle), begun with its first request at <paramref name="startedAt"/>.</summary>
    public void AddTransaction(long startedAt, long now)
    {
        Interlocked.Increment(ref transactions);
        Interlocked.Add(ref transactionTicks, now - startedAt);
    }

    public void AddWait(long ticks) => Interlocked.Add(ref waitTicks, ticks);

    public PoolStatisticsSnapshot Snapshot() => new(
        Volatile.Read(ref transactions),
        Volatile.Read(ref queries),
        Volatile.Read(ref received),
        Volatile.Read(ref sent),
        Microseconds(Volatile.Read(ref transactionTicks)),
        Microseconds(Volatile.Read(ref queryTicks)),
        Microseconds(Volatile.Read(ref waitTicks)));

    private static long Microseconds(long ticks) => (long)(ticks * (1_000_000.0 / Stopwatch.Frequency));
}
