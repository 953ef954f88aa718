using System.Collections.Immutable;
using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>
/// Collects every problem of one load, so a user fixes a file in one pass
/// instead of one error per run.
/// </summary>
internal sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    // A variable set once for the whole inventory is read for every host and every cluster; its
    // problem is one problem, reported once.
    private readonly HashSet<Diagnostic> _seen = [];

    public bool HasErrors { get; private set; }

    public void Error(SourceLocation location, string message)
    {
        Add(new Diagnostic(DiagnosticSeverity.Error, location, message));
        HasErrors = true;
    }

    public void Warning(SourceLocation location, string message) =>
        Add(new Diagnostic(DiagnosticSeverity.Warning, location, message));

    private void Add(Diagnostic diagnostic)
    {
        if (_seen.Add(diagnostic))
        {
            _items.Add(diagnostic);
        }
    }

    /// <summary>In file order, so the report reads top to bottom.</summary>
    public ImmutableArray<Diagnostic> ToImmutable() =>
        [.. _items.OrderBy(d => d.Location.File, StringComparer.Ordinal)
                  .ThenBy(d => d.Location.Line)
                  .ThenBy(d => d.Location.Column)];
}
