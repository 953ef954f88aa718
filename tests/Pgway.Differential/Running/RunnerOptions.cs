namespace Pgway.Differential.Running;

/// <summary>How conversations are run.</summary>
/// <param name="User">Who every client logs in as.</param>
/// <param name="Password">Its password.</param>
/// <param name="Database">The database every client asks for.</param>
/// <param name="ReadTimeout">A read that gets no message for this long is a hang ("client got no answer within N s").</param>
/// <param name="TurnPatience">How long a step waits for the steps before it to be sent.</param>
public sealed record RunnerOptions(string User, string Password, string Database, TimeSpan ReadTimeout, TimeSpan TurnPatience)
{
    /// <summary>
    /// Honour <see cref="Model.ConversationStep.AfterOthers"/>: off for the session-mode pooler, where a
    /// client keeps its server for its whole session and the others rightly wait for it.
    /// </summary>
    public bool WaitForOthers { get; init; } = true;

    /// <summary>Servers a pooling path lends the clients, or null where each client has its own connection.</summary>
    public int? PoolSize { get; init; }

    /// <summary>The pool lends a client its server from its first answer to its end (session pooling), not per transaction.</summary>
    public bool SessionPooling { get; init; }
}
