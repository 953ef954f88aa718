namespace Pgway.Model;

/// <summary>
/// A database the pooler serves, from <c>pg_databases</c> (unless <c>pgbouncer: false</c>), with
/// Pigsty's per-database pool settings; null means the pooler-wide setting.
/// </summary>
/// <param name="PoolSize">Pigsty's <c>pool_size</c> (PgBouncer's <c>pool_size</c>).</param>
/// <param name="PoolSizeMin">Pigsty's <c>pool_size_min</c> (PgBouncer's <c>min_pool_size</c>).</param>
/// <param name="PoolReserve">Pigsty's <c>pool_reserve</c> (PgBouncer's <c>reserve_pool</c>).</param>
/// <param name="ConnectionLimit">Pigsty's <c>pool_connlimit</c> (PgBouncer's <c>max_db_connections</c>).</param>
internal sealed record PoolDatabase(string Name, PoolMode? PoolMode, int? PoolSize, int? PoolSizeMin, int? PoolReserve, int? ConnectionLimit);
