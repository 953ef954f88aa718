namespace Pgway.Model;

/// <summary>
/// A user the pooler logs in, from <c>pg_users</c> with <c>pgbouncer: true</c>: its secret (a
/// password, an MD5 hash or a SCRAM verifier; null when it comes from <c>auth_query</c> or an auth
/// file) and Pigsty's per-user pool settings.
/// </summary>
/// <param name="ConnectionLimit">Pigsty's <c>pool_connlimit</c> (PgBouncer's <c>max_user_connections</c>).</param>
internal sealed record PoolUser(string Name, string? Password, PoolMode? PoolMode, int? ConnectionLimit)
{
    public override string ToString() => $"PoolUser {{ Name = {Name}, PoolMode = {PoolMode}, ConnectionLimit = {ConnectionLimit} }}";
}
