namespace Pgway.Pooling;

/// <summary>
/// Where a pooler client is in its life: exactly one of these at a time, as PgBouncer keeps each
/// client in exactly one list, so that SHOW CLIENTS and the timeout sweep read one value instead of
/// a set of flags that could disagree. Moved only by <see cref="ClientStateMachine.TryMove"/>.
/// </summary>
internal enum ClientState : byte
{
    /// <summary>Connected; its start-up packet has not arrived yet (the start-up timeout applies).</summary>
    Connecting,

    /// <summary>
    /// Start-up packet in: TLS, authentication, and, for the first client of a pool, the server it
    /// waits for to learn what to greet clients with (client_login_timeout applies).
    /// </summary>
    LoggingIn,

    /// <summary>Logged in, holding no server.</summary>
    Idle,

    /// <summary>Logged in, queued in its pool for a server or waiting for a new one to be opened for it.</summary>
    WaitingForServer,

    /// <summary>Holds a server (in session mode, for the whole session).</summary>
    Active,

    /// <summary>Holds a server and is writing the client's bytes to it: the server cannot go back to the pool meanwhile.</summary>
    Sending,

    /// <summary>Logged in to the admin console: answered by pgway, never holds a server.</summary>
    Console,

    /// <summary>Ending: told why (or gone); its server is given back or closed and its counts taken off.</summary>
    Ending,
}
