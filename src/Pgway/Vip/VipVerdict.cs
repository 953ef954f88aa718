namespace Pgway.Vip;

/// <summary>Whether this node should hold the VIP now, and why (shown on the stats page and logged when it moves).</summary>
/// <param name="RecheckAfter">When the verdict may change with no new input (a grace period running out); null: only a new input changes it.</param>
internal readonly record struct VipVerdict(bool Hold, string Reason, TimeSpan? RecheckAfter = null);
