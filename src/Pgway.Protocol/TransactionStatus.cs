namespace Pgway.Protocol;

/// <summary>The status byte of ReadyForQuery: where the session stands after a request.</summary>
public enum TransactionStatus : byte
{
    /// <summary>Not in a transaction block: in transaction mode, the server can go back to the pool.</summary>
    Idle = (byte)'I',

    /// <summary>In a transaction block.</summary>
    InTransaction = (byte)'T',

    /// <summary>In a failed transaction block (queries are rejected until it ends).</summary>
    Failed = (byte)'E',
}
