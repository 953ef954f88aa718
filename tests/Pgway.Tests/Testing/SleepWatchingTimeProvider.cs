using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Pgway.Tests.Testing;

/// <summary>
/// A fake clock that remembers when each timer it made falls due. Code under test reads the time (or logs
/// what it is about to wait for) and then starts a timer for what is left; a test that moves the clock
/// between the two leaves that timer a whole interval late, never to fire. Waiting until the timer exists
/// (<see cref="HasTimerDueAt"/>) before moving the clock closes that window.
/// </summary>
/// <remarks>
/// Timers started by <c>Task.Delay(wait, time)</c>, <c>new CancellationTokenSource(delay, time)</c> and
/// <see cref="TimeProvider.CreateTimer"/> are seen; a later <c>Change</c> or <c>CancelAfter</c> is not. A due
/// time stays recorded after its timer fired or was disposed: tests ask for one no earlier timer had.
/// </remarks>
internal sealed class SleepWatchingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly ConcurrentQueue<DateTimeOffset> dues = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var now = GetUtcNow();
        var timer = base.CreateTimer(callback, state, dueTime, period);
        // Recorded only once the timer is armed: a test that sees the record may move the clock at once.
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            dues.Enqueue(now + dueTime);
        }
        return timer;
    }

    /// <summary>Some timer was started to fall due at exactly <paramref name="due"/>.</summary>
    public bool HasTimerDueAt(DateTimeOffset due) => dues.Contains(due);

    /// <summary>The earliest due time of a timer started so far that falls due after <paramref name="time"/>; null when there is none.</summary>
    public DateTimeOffset? EarliestDueAfter(DateTimeOffset time) =>
        dues.Where(due => due > time).Select(due => (DateTimeOffset?)due).DefaultIfEmpty(null).Min();

    /// <summary>Waits (on real time, at most 30 s) until some timer was started to fall due at <paramref name="due"/>.</summary>
    public async Task WaitForTimerDueAtAsync(DateTimeOffset due)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!HasTimerDueAt(due))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no timer due at {due:O} was started within 30 s");
            await Task.Delay(1);
        }
    }
}
