namespace Pgway.Health;

/// <summary>
/// Runs the checks of one target for every member that shares it. One probe at a time (checks
/// never pile up), scheduled for the member due first; its result counts for every member due by
/// the time it started, so each member keeps HAProxy's own rhythm (<c>inter</c>, <c>fastinter</c>,
/// <c>downinter</c>) while members with the same rhythm share every probe.
/// </summary>
internal sealed class HealthProber(
    CheckTarget target,
    IHealthProbe probe,
    IReadOnlyList<MemberHealth> members,
    CheckTimeouts timeouts,
    TimeProvider time,
    Action<HealthEvent> onEvent,
    Action<CheckTarget, CheckResult> onChecked,
    Action<CheckTarget, Exception> onProbeFailure)
{
    public CheckTarget Target { get; } = target;

    public IReadOnlyList<MemberHealth> Members { get; } = members;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var due = Members.Min(m => m.NextCheck);
                var wait = due - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }
                var started = time.GetUtcNow();
                var interval = Members.Where(m => m.NextCheck <= started).Select(m => m.CurrentInterval).DefaultIfEmpty(TimeSpan.MaxValue).Min();
                var result = await ProbeOnceAsync(timeouts.For(interval), cancellationToken);
                var now = time.GetUtcNow();
                foreach (var member in Members)
                {
                    if (member.NextCheck <= started && member.Apply(result, now) is { } change)
                    {
                        onEvent(change);
                    }
                }
                onChecked(Target, result);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            await probe.DisposeAsync();
        }
    }

    /// <summary>Closes the probe of a prober that never ran (running closes it when it stops).</summary>
    public ValueTask DisposeProbeAsync() => probe.DisposeAsync();

    private async Task<CheckResult> ProbeOnceAsync(CheckDeadlines deadlines, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            return await probe.ProbeAsync(deadlines, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Probes report failures as results; an exception is a bug, and must not stop the checks.
            onProbeFailure(Target, e);
            return new CheckResult(CheckStatus.L7Response, null, time.GetElapsedTime(started), time.GetUtcNow(), $"check failed: {e.Message}");
        }
    }
}
