namespace Pgway.Health;

/// <summary>A member's health as HAProxy's stats page shows it.</summary>
internal enum MemberHealthState
{
    /// <summary>Usable, health full (or never checked yet: HAProxy counts a new server as up).</summary>
    Up,

    /// <summary>Still usable, but the last checks failed: "UP 1/3".</summary>
    GoingDown,

    /// <summary>Not usable, health zero.</summary>
    Down,

    /// <summary>Not usable yet, but the last checks passed: "DOWN 1/2".</summary>
    GoingUp,
}
