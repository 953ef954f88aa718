namespace Pgway.LocalPostgres;

/// <summary>Waits for a condition with a deadline, polling with a short growing interval instead of sleeping a guessed time.</summary>
internal static class Wait
{
    private static readonly TimeSpan s_firstInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_maxInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Returns once <paramref name="condition"/> is true; throws <see cref="TimeoutException"/> with
    /// <paramref name="describeFailure"/>'s text (evaluated then, so it can show the last state) after <paramref name="timeout"/>.
    /// </summary>
    public static async Task UntilAsync(
        Func<CancellationToken, Task<bool>> condition,
        TimeSpan timeout,
        Func<string> describeFailure,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var interval = s_firstInterval;
        while (true)
        {
            try
            {
                if (await condition(deadline.Token))
                {
                    return;
                }

                await Task.Delay(interval, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s: {describeFailure()}");
            }

            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, s_maxInterval.Ticks));
        }
    }
}
