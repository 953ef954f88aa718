namespace Pgway.Differential.Generation;

/// <summary>A named statement as the generator knows it.</summary>
/// <param name="Certain">It certainly exists on the session (false: it may have been skipped or closed).</param>
internal sealed record PreparedStatementModel(QueryShape Query, bool Certain);
