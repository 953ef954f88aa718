namespace Pgway.Pooling;

/// <summary>Why a pooler client's connection ended: each is logged with the client and counted.</summary>
internal enum DisconnectReason
{
    /// <summary>The client said goodbye (Terminate) or closed its connection.</summary>
    ClientClose,

    /// <summary>A cancel request: its connection ends once forwarded.</summary>
    CancelRequest,

    /// <summary>Over <c>max_client_conn</c>.</summary>
    MaxClientConnections,

    /// <summary>Refused at accept by the process's bound on clients (its open-files limit, or clients still starting).</summary>
    TooManyConnections,

    /// <summary>No start-up packet within the start-up timeout.</summary>
    StartupTimeout,

    /// <summary>A wrong password or an unknown user.</summary>
    AuthenticationFailed,

    /// <summary>Refused at log-in: an hba rule, an unknown database, an unsupported request.</summary>
    LoginRefused,

    /// <summary>Bytes that are not the PostgreSQL protocol, or a message over its size limit.</summary>
    ProtocolViolation,

    /// <summary>No server could be connected or logged in to.</summary>
    ServerLoginFailed,

    /// <summary>The server the client held closed or failed mid-transaction.</summary>
    ServerLost,

    /// <summary>No server within <c>query_wait_timeout</c>.</summary>
    QueryWaitTimeout,

    /// <summary><c>client_login_timeout</c>.</summary>
    ClientLoginTimeout,

    /// <summary><c>query_timeout</c>.</summary>
    QueryTimeout,

    /// <summary><c>idle_transaction_timeout</c>.</summary>
    IdleTransactionTimeout,

    /// <summary><c>client_idle_timeout</c>.</summary>
    ClientIdleTimeout,

    /// <summary>A transaction block opened in statement pooling mode.</summary>
    TransactionInStatementMode,

    /// <summary>A cancel request came while the client waited for a server with a request it cannot be answered for in step.</summary>
    CancelledWhileWaiting,

    /// <summary>Closed from the admin console (<c>KILL</c>, <c>KILL_CLIENT</c>).</summary>
    KilledByAdmin,

    /// <summary>The pooler is stopping.</summary>
    Shutdown,

    /// <summary>An unexpected failure inside pgway (logged with its exception).</summary>
    InternalError,

    /// <summary>The TLS handshake with the client failed (no common protocol, a refused ALPN, a broken connection).</summary>
    TlsHandshakeFailed,

    /// <summary>
    /// The server answered a request pgway never saw sent (a ReadyForQuery with none awaited): pgway's
    /// accounting of the conversation is wrong, so the server is closed rather than lent again.
    /// </summary>
    ProtocolDesync,
}
