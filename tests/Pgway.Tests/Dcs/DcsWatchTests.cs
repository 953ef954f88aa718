using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Pgway.Dcs;
using Pgway.Model;
using Pgway.Tests.Testing;

namespace Pgway.Tests.Dcs;

// Without any etcd: the watch reports the loss loudly, backs off on the injected clock, and stops at once.
public class DcsWatchTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly SleepWatchingTimeProvider time = new(Start);
    private readonly Lines logger = new();

    [Fact]
    public async Task Run_EtcdRefuses_WarnsAndRetriesWithBackoffNeverConnected()
    {
        // Port 1 on loopback: nothing listens, so every connection is refused at once.
        var config = new DcsConfig([new Uri("http://127.0.0.1:1")], "/pg");
        var leaders = new List<DcsLeaderChange>();
        var watch = new DcsWatch("pg-test", config, leaders.Add, DcsWatchOptions.Default, time, logger);
        await using (watch)
        {
            watch.Start();

            // The warning is logged before the backoff's timer starts: the clock moves only once it runs.
            await WaitFor(() => logger.Any(LogLevel.Warning, "retrying in 1 s (attempt 1)") && time.HasTimerDueAt(Start + TimeSpan.FromSeconds(1)));
            time.Advance(TimeSpan.FromSeconds(1));
            await WaitFor(() => logger.Any(LogLevel.Warning, "retrying in 2 s (attempt 2)") && time.HasTimerDueAt(Start + TimeSpan.FromSeconds(3)));
            time.Advance(TimeSpan.FromSeconds(2));
            await WaitFor(() => logger.Any(LogLevel.Warning, "retrying in 4 s (attempt 3)"));

            Assert.False(watch.IsConnected);
            Assert.False(watch.IsLeaderKnown);
            Assert.False(watch.HasNoLeader);
            Assert.Null(watch.Leader);
            Assert.Empty(watch.Members);
            Assert.Empty(leaders);
            Assert.Equal("/pg/pg-test/leader", watch.Keys.Leader);
        }
    }

    [Fact]
    public async Task Run_EndpointWithCredentials_PasswordNeverLogged()
    {
        var config = new DcsConfig([new Uri("http://root:s3cret-pw@127.0.0.1:1")], "/pg");
        var watch = new DcsWatch("pg-test", config, _ => { }, DcsWatchOptions.Default, time, logger);
        await using (watch)
        {
            watch.Start();

            await WaitFor(() => logger.Any(LogLevel.Warning, "retrying in 1 s (attempt 1)"));
        }

        Assert.True(logger.Any(LogLevel.Warning, "http://root:***@127.0.0.1:1"));
        Assert.False(logger.Any(LogLevel.Warning, "s3cret"));
        Assert.False(logger.Any(LogLevel.Information, "s3cret"));
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private sealed class Lines : ILogger<DcsWatch>
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Text)> lines = new();

        public bool Any(LogLevel level, string contains) => lines.Any(l => l.Level == level && l.Text.Contains(contains, StringComparison.Ordinal));

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((logLevel, formatter(state, exception)));
    }
}
