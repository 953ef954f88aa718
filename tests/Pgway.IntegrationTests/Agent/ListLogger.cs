using Microsoft.Extensions.Logging;

namespace Pgway.IntegrationTests.Agent;

/// <summary>Keeps every log line written to it, for tests that assert what an operator would read.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly Lock gate = new();
    private readonly List<(LogLevel Level, string Message)> lines = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Lines
    {
        get
        {
            lock (gate)
            {
                return [.. lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (gate)
        {
            lines.Add((logLevel, formatter(state, exception)));
        }
    }
}
