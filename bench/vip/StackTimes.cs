namespace Pgway.Bench.Vip;

/// <summary>One stack's times in a round, from the leader-key write; null where the probe timed out.</summary>
internal sealed record StackTimes(TimeSpan? Arp, TimeSpan? Tcp, TimeSpan? Write);
