namespace Pgway.Bench.Failover;

/// <summary>One write a client tried: when it started and ended (UTC), whether it committed, and why not.</summary>
internal readonly record struct Attempt(int Client, DateTime Start, DateTime End, bool Ok, string? Error);
