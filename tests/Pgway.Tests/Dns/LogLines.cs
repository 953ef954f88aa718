using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pgway.Tests.Dns;

/// <summary>A logger that keeps the lines written to it, for tests that count them.</summary>
internal sealed class LogLines : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Text)> lines = new();

    public IReadOnlyList<string> Texts => [.. lines.Select(l => l.Text)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        lines.Enqueue((logLevel, formatter(state, exception)));
}
