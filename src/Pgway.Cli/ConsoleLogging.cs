using Microsoft.Extensions.Logging;

namespace Pgway.Cli;

/// <summary>The log format of the long-running commands (agent, serve): one line per event, plain or JSON.</summary>
internal static class ConsoleLogging
{
    public static ILoggerFactory Create() => Create(LogFormat.Simple, LogLevel.Information);

    /// <summary>
    /// Plain text (a timestamped line per event) or JSON (one object per line, with the message's
    /// fields as <c>State</c>, for log shippers), from <paramref name="level"/> up.
    /// </summary>
    public static ILoggerFactory Create(LogFormat format, LogLevel level) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(level);
        if (format == LogFormat.Json)
        {
            builder.AddJsonConsole(json =>
            {
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                json.UseUtcTimestamp = true;
                json.IncludeScopes = false;
            });
            return;
        }
        builder.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
    });
}
