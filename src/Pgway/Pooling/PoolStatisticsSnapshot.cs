namespace Pgway.Pooling;

/// <summary>A pool's totals since the pooler started, by PgBouncer's SHOW STATS names (times in microseconds).</summary>
internal sealed record PoolStatisticsSnapshot(
    long TotalTransactionCount,
    long TotalQueryCount,
    long TotalReceived,
    long TotalSent,
    long TotalTransactionTime,
    long TotalQueryTime,
    long TotalWaitTime);
