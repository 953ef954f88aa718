namespace Pgway.Protocol;

/// <summary>Severities of an ErrorResponse; FATAL ends the session.</summary>
public enum ErrorSeverity
{
    Error,
    Fatal,
    Panic,
}
