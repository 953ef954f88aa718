using System.Diagnostics;

namespace Pgway.IntegrationTests.Dns;

/// <summary>
/// Reads something (a DNS answer, where a service routes a connection) round after round, 20 ms apart,
/// until it shows the change awaited, and returns when: the start of the last round that did not show it and of the
/// first that did, as local times of day (those of pgway's log lines), so that two watches run side by side, or a
/// watch and a log line, can be set against each other. Bounded in time.
/// </summary>
internal static class ChangeWatch
{
    // A DNS watch asks at most ~50 times a second: two at once from one address stay under pgway's DNS rate limit
    // (200 a second per source), over which it would drop queries and a round would wait out its timeout.
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    /// <param name="ask">One reading, as text.</param>
    /// <param name="changed">Whether a reading shows the change.</param>
    /// <param name="bound">How long to ask at most.</param>
    public static async Task<WatchedChange> WaitAsync(Func<Task<string>> ask, Func<string, bool> changed, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        var start = DateTime.Now;
        var before = TimeSpan.Zero;
        var rounds = 0;
        var last = new Queue<string>();
        while (clock.Elapsed < bound)
        {
            rounds++;
            var at = clock.Elapsed;
            var answer = await ask();
            if (changed(answer))
            {
                return new WatchedChange(answer, (start + before).TimeOfDay, (start + at).TimeOfDay, rounds);
            }
            before = at;
            last.Enqueue($"+{at.TotalMilliseconds:0} ms: [{answer}]");
            if (last.Count > 10)
            {
                last.Dequeue();
            }
            await Task.Delay(Pause);
        }
        throw new TimeoutException($"the reading did not change in {rounds} rounds over {bound.TotalSeconds:0} s; the last:\n{string.Join('\n', last)}");
    }

    /// <summary>
    /// The time of day of the first line of pgway's log (<c>HH:mm:ss.fff</c> first) that contains <paramref name="marker"/>
    /// and is not before <paramref name="notBefore"/>; null if there is none yet.
    /// </summary>
    public static TimeSpan? LoggedAt(string log, string marker, TimeSpan notBefore)
    {
        foreach (var line in log.Split('\n'))
        {
            if (line.Contains(marker, StringComparison.Ordinal)
                && TimeSpan.TryParseExact(line.Split(' ', 2)[0], @"hh\:mm\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture, out var at)
                && Since(notBefore, at) >= TimeSpan.Zero)
            {
                return at;
            }
        }
        return null;
    }

    /// <summary><paramref name="to"/> − <paramref name="from"/>, two times of day within 12 hours of each other (across midnight too).</summary>
    public static TimeSpan Since(TimeSpan from, TimeSpan to)
    {
        var gap = to - from;
        return gap > TimeSpan.FromHours(12) ? gap - TimeSpan.FromDays(1) : gap < TimeSpan.FromHours(-12) ? gap + TimeSpan.FromDays(1) : gap;
    }
}
