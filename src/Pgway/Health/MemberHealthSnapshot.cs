namespace Pgway.Health;

/// <summary>
/// A member's health at one moment, for routing, the stats page and metrics: immutable, replaced
/// whole after every check, so readers never see half an update.
/// </summary>
/// <param name="LastResult">The last check's result; null before the first check or for a member without a check.</param>
/// <param name="LastChange">When <see cref="State"/> last changed (the monitor's start for a member never changed).</param>
/// <param name="NextCheck">When the member's next check is due; null for a member without a check.</param>
internal sealed record MemberHealthSnapshot(
    string Service,
    string Member,
    HealthCounter Counter,
    CheckResult? LastResult,
    DateTimeOffset LastChange,
    DateTimeOffset? NextCheck)
{
    public MemberHealthState State => Counter.State;

    /// <summary>Whether routing may send new connections to the member.</summary>
    public bool IsUp => Counter.IsUp;

    /// <summary>
    /// Fenced by an operator or a switchover (HAProxy's maintenance): down whatever its checks say,
    /// until cleared (<see cref="HealthMonitor.Unfence"/>).
    /// </summary>
    public bool Fenced { get; init; }

    /// <summary>HAProxy's stats notation, e.g. "UP 2/3"; "MAINT" while fenced.</summary>
    public string Status => Fenced ? "MAINT" : Counter.Describe();
}
