using Microsoft.Extensions.Logging;

namespace Pgway.IntegrationTests.Hosting;

/// <summary>
/// A logger factory that holds the thread writing the first message <paramref name="holdAt"/> matches until
/// <see cref="Release"/>: a gateway host's start-up stopped at a known point, with the parts it started running.
/// </summary>
internal sealed class StartupGateLogging(Func<string, bool> holdAt, TimeSpan limit) : ILoggerFactory
{
    private readonly TaskCompletionSource reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim released = new();
    private int held;

    /// <summary>Completes once start-up is held.</summary>
    public Task Reached => reached.Task;

    public void Release() => released.Set();

    public ILogger CreateLogger(string categoryName) => new HoldingLogger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
        released.Set();
        released.Dispose();
    }

    private void Written(string message)
    {
        if (holdAt(message) && Interlocked.Exchange(ref held, 1) == 0)
        {
            reached.SetResult();
            // Bounded: a test that fails before releasing must not hold start-up for ever.
            released.Wait(limit);
        }
    }

    private sealed class HoldingLogger(StartupGateLogging factory) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            factory.Written(formatter(state, exception));
    }
}
