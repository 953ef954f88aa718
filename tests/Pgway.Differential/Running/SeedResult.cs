using Pgway.Differential.Model;

namespace Pgway.Differential.Running;

/// <summary>One seed's conversation and what running it found.</summary>
/// <param name="OracleProblem">Set when PostgreSQL itself did not answer as the generator expected (a generator bug, not pgway's).</param>
/// <param name="Notes">Legitimate differences noted, such as parameters only one side's greeting reports.</param>
public sealed record SeedResult(Conversation Conversation, IReadOnlyList<Divergence> Divergences, string? OracleProblem, IReadOnlySet<string> Notes);
