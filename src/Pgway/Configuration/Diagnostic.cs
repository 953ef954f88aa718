using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>One problem found in a configuration file, with where it is.</summary>
internal sealed record Diagnostic(DiagnosticSeverity Severity, SourceLocation Location, string Message)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    public override string ToString() =>
        $"{Location}: {(IsError ? "error" : "warning")}: {Message}";
}
