namespace Pgway.Bench.Vip;

/// <summary>One leader change: who handed over to whom, when etcd acknowledged each key space, and each stack's times.</summary>
internal sealed record RoundResult(int Round, string From, string To, TimeSpan V3Ack, TimeSpan V2Ack, StackTimes Pgway, StackTimes VipManager);
