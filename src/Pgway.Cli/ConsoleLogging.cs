using Microsoft.Extensions.Logging;

namespace Pgway.Cli;

/// <summary>The log format of the long-running commands (agent, serve): one timestamped line per event.</summary>
internal static class ConsoleLogging
{
    public static ILoggerFactory Create() => LoggerFactory.Create(builder => builder.AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.TimestampFormat = "HH:mm:ss.fff ";
    }));
}
