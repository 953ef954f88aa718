namespace Pgway.Differential.Generation;

/// <summary>A statement the generator can send: its SQL, values for its parameters, and what can go wrong.</summary>
/// <param name="Parameters">Text values bound to $1…; their count is the statement's parameter count.</param>
/// <param name="MayFail">It can raise an error (a write under read-only, a division by zero…).</param>
/// <param name="Rows">Rows it returns when it succeeds (for row limits and portal suspension).</param>
internal sealed record QueryShape(string Sql, IReadOnlyList<string?> Parameters, bool MayFail, int Rows);
