namespace Pgway.Differential.Wire;

/// <summary>What one read brought: the messages, and whether it ended as asked, by the peer closing, or by the timeout.</summary>
public sealed record ReadResult(IReadOnlyList<BackendMessage> Messages, ReadOutcome Outcome);
