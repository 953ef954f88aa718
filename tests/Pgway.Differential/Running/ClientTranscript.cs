using Pgway.Differential.Wire;

namespace Pgway.Differential.Running;

/// <summary>Everything one client received: its greeting, the rest, and how its session ended.</summary>
public sealed class ClientTranscript
{
    /// <summary>The messages after AuthenticationOk up to the first ReadyForQuery.</summary>
    public List<BackendMessage> Greeting { get; } = [];

    /// <summary>Every message after the greeting, in order.</summary>
    public List<BackendMessage> Messages { get; } = [];

    /// <summary>How the session ended, when not by the client's own Terminate after its last answer.</summary>
    public string? End { get; set; }

    /// <summary>True when a read gave up waiting (a hang).</summary>
    public bool TimedOut { get; set; }
}
