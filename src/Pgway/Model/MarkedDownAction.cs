namespace Pgway.Model;

/// <summary>HAProxy's <c>on-marked-down</c>: what happens to sessions when a member goes down.</summary>
internal enum MarkedDownAction
{
    /// <summary>Sessions live on until they close by themselves.</summary>
    None,

    /// <summary><c>shutdown-sessions</c>: close them at once (stops writes to a demoted primary).</summary>
    ShutdownSessions,
}
