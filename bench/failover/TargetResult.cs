namespace Pgway.Bench.Failover;

/// <summary>
/// One target in one round, in milliseconds: from promotion to the first committed write, the whole write
/// outage (last write committed before the kill to the first after), the writes that failed in between, and
/// when the target marked the new primary up (relative to the promotion; negative: before it), and when the
/// last of its writers had committed again; and the failures between the kill and the first write, by error.
/// Null: never within the round.
/// </summary>
internal sealed record TargetResult(
    string Scenario,
    int Round,
    string Target,
    double? PromotionToWriteMs,
    double? OutageMs,
    int FailedAttempts,
    double? MarkedUpMs,
    double? AllWritersMs,
    IReadOnlyDictionary<string, int> Errors);
