namespace Pgway.Configuration;

/// <summary>How much a configuration problem matters: errors stop pgway from using the file.</summary>
internal enum DiagnosticSeverity
{
    Warning,
    Error,
}
