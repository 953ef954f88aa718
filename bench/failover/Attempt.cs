namespace Pgway.Bench.Failover;

/// <summary>
/// One write a client tried: its number (unique in the run, stored in the row), when it started and ended (UTC),
/// whether it committed as far as the client knows, and why not.
/// </summary>
internal readonly record struct Attempt(int Client, long Seq, DateTime Start, DateTime End, bool Ok, string? Error);
