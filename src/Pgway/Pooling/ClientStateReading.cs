namespace Pgway.Pooling;

/// <summary>One reading of a client session's state and the timeout sweep's facts, taken together.</summary>
/// <param name="State">Where the client is in its life.</param>
/// <param name="AwaitingAnswer">A request the client sent awaits its ReadyForQuery (query_timeout applies).</param>
/// <param name="InTransaction">The client's server is inside a transaction (idle_transaction_timeout applies).</param>
internal readonly record struct ClientStateReading(ClientState State, bool AwaitingAnswer, bool InTransaction)
{
    /// <summary>The client holds a server.</summary>
    public bool HoldsServer => State is ClientState.Active or ClientState.Sending;

    /// <summary>Its start-up packet has arrived.</summary>
    public bool StartupRead => State != ClientState.Connecting;

    /// <summary>Logged in (a pooled client or a console client), and not ending.</summary>
    public bool LoggedIn => State is not (ClientState.Connecting or ClientState.LoggingIn or ClientState.Ending);
}
