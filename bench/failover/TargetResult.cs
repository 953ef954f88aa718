namespace Pgway.Bench.Failover;

/// <summary>
/// One target in one round, in milliseconds: from promotion to the first committed write, the whole write
/// outage (last write committed before the kill to the first after), the writes that failed in between, and
/// when the target marked the new primary up (relative to the promotion; negative: before it), and when the
/// last of its writers had committed again; the failures between the kill and the first write, by error; and
/// writes reported failed that committed anyway.
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
    IReadOnlyDictionary<string, int> Errors)
{
    /// <summary>Writes the client saw fail (after the kill) that are in the new primary's table all the same, by error.</summary>
    public IReadOnlyDictionary<string, int>? FailedButCommittedByError { get; init; }

    public int? FailedButCommitted => FailedButCommittedByError?.Values.Sum();
}
