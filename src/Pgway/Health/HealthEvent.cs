namespace Pgway.Health;

/// <summary>A member's state changed: what it was, what it is, and the check that moved it.</summary>
internal sealed record HealthEvent(
    DateTimeOffset Time,
    string Service,
    string Member,
    MemberHealthState From,
    MemberHealthState To,
    HealthCounter Counter,
    CheckResult Result)
{
    /// <summary>Whether the member became usable or unusable (not merely moved within up or down).</summary>
    public bool ChangesUsability => (From is MemberHealthState.Up or MemberHealthState.GoingDown) != (To is MemberHealthState.Up or MemberHealthState.GoingDown);

    /// <summary>HAProxy's log wording: "pg-test-replica/pg-test-2 is DOWN, reason: L7STS/503, info: …, check duration: 2ms".</summary>
    /// <remarks>A DCS override has no check duration: "pg-test-primary/pg-test-1 is DOWN, reason: DCS, info: leader is pg-test-2".</remarks>
    public override string ToString() => Result.Status is CheckStatus.Dcs or CheckStatus.Fenced
        ? $"{Service}/{Member} is {Counter.Describe()}, reason: {Result.Reason}, info: {Result.Detail}"
        : $"{Service}/{Member} is {Counter.Describe()}, reason: {Result.Reason}, info: {Result.Detail}, check duration: {Result.Duration.TotalMilliseconds:0}ms";
}
