using Microsoft.Extensions.Logging;

namespace Pgway.Health;

internal sealed partial class HealthMonitor
{
    [LoggerMessage(Level = LogLevel.Information, Message = "health monitor: {Members} members, {Targets} distinct checks")]
    private static partial void LogStarting(ILogger logger, int members, int targets);

    // The event's text is HAProxy's own log wording, so operators read familiar lines.
    [LoggerMessage(Message = "{Change}")]
    private static partial void LogChange(ILogger logger, LogLevel level, HealthEvent change);

    [LoggerMessage(Level = LogLevel.Information, Message = "health monitor: now {Members} members, {Targets} distinct checks ({Added} checks started, {Removed} stopped)")]
    private static partial void LogUpdated(ILogger logger, int members, int targets, int added, int removed);

    [LoggerMessage(Level = LogLevel.Error, Message = "a health state listener failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "the check of {Target} threw; counted as failed")]
    private static partial void LogProbeThrew(ILogger logger, string target, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "health check of {Target} could not run: {Error}; pgway's own shortage, not counted against the member")]
    private static partial void LogLocalError(ILogger logger, string target, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "health monitor: {Member} is no longer fenced; its checks decide again")]
    private static partial void LogUnfenced(ILogger logger, string member);
}
