namespace Pgway.Bench.Failover;

/// <summary>
/// The events of one round (UTC): the kill was started and was complete (both processes gone, port closed),
/// Patroni's lock was taken (null without Patroni, or when its log did not say), and the new primary left
/// recovery (<see cref="PromotionProbe"/>).
/// </summary>
internal sealed record RoundTimeline(string Scenario, int Round, string OldPrimary, string NewPrimary, DateTime KillAt, DateTime KilledAt, DateTime? LockAt, DateTime PromotedAt);
