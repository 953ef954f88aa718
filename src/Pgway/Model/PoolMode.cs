namespace Pgway.Model;

/// <summary>When a server connection goes back to its pool (PgBouncer's <c>pool_mode</c>).</summary>
internal enum PoolMode
{
    /// <summary>When the client disconnects (after <c>server_reset_query</c>).</summary>
    Session,

    /// <summary>When a transaction ends (ReadyForQuery idle, nothing outstanding).</summary>
    Transaction,

    /// <summary>After every statement; a multi-statement transaction is refused.</summary>
    Statement,
}
