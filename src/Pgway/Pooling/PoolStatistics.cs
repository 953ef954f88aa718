using System.Diagnostics;
using Pgway.Transport;

namespace Pgway.Pooling;

/// <summary>
/// One pool's running totals, PgBouncer's SHOW STATS columns: transactions and queries with their
/// time, bytes each way, and time clients waited for a server. Each epoll loop counts in a shard of
/// its own (plain writes, one writer, no cache line shared between loops on the hot path); a
/// <see cref="PoolStatisticsSnapshot"/> adds the shards up.
/// </summary>
internal sealed class PoolStatistics
{
    private readonly Lock gate = new();
    private readonly Dictionary<EpollLoop, Shard> shards = [];

    /// <summary>The shard a session on <paramref name="loop"/> counts in (fetched once per session).</summary>
    public Shard For(EpollLoop loop)
    {
        lock (gate)
        {
            if (!shards.TryGetValue(loop, out var shard))
            {
                shards[loop] = shard = new Shard();
            }
            return shard;
        }
    }

    public PoolStatisticsSnapshot Snapshot()
    {
        Shard[] all;
        lock (gate)
        {
            all = [.. shards.Values];
        }
        return new PoolStatisticsSnapshot(
            all.Sum(s => Volatile.Read(ref s.Transactions)),
            all.Sum(s => Volatile.Read(ref s.Queries)),
            all.Sum(s => Volatile.Read(ref s.Received)),
            all.Sum(s => Volatile.Read(ref s.Sent)),
            Microseconds(all.Sum(s => Volatile.Read(ref s.TransactionTicks))),
            Microseconds(all.Sum(s => Volatile.Read(ref s.QueryTicks))),
            Microseconds(all.Sum(s => Volatile.Read(ref s.WaitTicks))));
    }

    private static long Microseconds(long ticks) => (long)(ticks * (1_000_000.0 / Stopwatch.Frequency));

    /// <summary>One loop's counts: written only on that loop's thread, read by anyone.</summary>
    internal sealed class Shard
    {
        public long Transactions;
        public long Queries;
        public long Received;
        public long Sent;
        public long TransactionTicks;
        public long QueryTicks;
        public long WaitTicks;

        public void AddReceived(int bytes) => Volatile.Write(ref Received, Received + bytes);

        public void AddSent(int bytes) => Volatile.Write(ref Sent, Sent + bytes);

        /// <summary>A request answered (its ReadyForQuery), begun at <paramref name="startedAt"/> (Stopwatch ticks).</summary>
        public void AddQuery(long startedAt, long now)
        {
            Volatile.Write(ref Queries, Queries + 1);
            Volatile.Write(ref QueryTicks, QueryTicks + (now - startedAt));
        }

        /// <summary>A transaction ended (ReadyForQuery idle), begun with its first request at <paramref name="startedAt"/>.</summary>
        public void AddTransaction(long startedAt, long now)
        {
            Volatile.Write(ref Transactions, Transactions + 1);
            Volatile.Write(ref TransactionTicks, TransactionTicks + (now - startedAt));
        }

        public void AddWait(long ticks) => Volatile.Write(ref WaitTicks, WaitTicks + ticks);
    }
}
