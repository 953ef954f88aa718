using Microsoft.Extensions.Logging;

namespace Pgway.Hosting;

// SIGTERM: every service and pooler port closes at once; spliced sessions run on and pooled clients
// finish their transaction, for at most the drain timeout; then the host is disposed as usual.
internal sealed partial class GatewayHost
{
    private static readonly TimeSpan DrainProgressInterval = TimeSpan.FromSeconds(5);

    /// <summary>Sessions open now: on every service (spliced or queued) and every pooler (clients).</summary>
    public int OpenSessions => state.OpenSessions;

    /// <summary>
    /// Stops accepting on every service and pooler port, then waits for the sessions to end — pooled
    /// clients at the end of their transaction, told 57P01 "pgway is shutting down" — for at most
    /// <paramref name="timeout"/>. True when none is left. Dispose the host afterwards: it closes
    /// whatever remains. Health checks, agents and the admin endpoint run on meanwhile.
    /// </summary>
    public async Task<bool> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        // After a reload under way, and before any other: none may open ports again.
        await reload.EndReloadsAsync(cancellationToken);
        var (listeners, poolers, poolServices) = (state.Listeners, state.Poolers, state.PoolServices);
        var started = time.GetTimestamp();
        foreach (var listener in listeners)
        {
            await listener.StopAcceptingAsync();
        }
        var (sessions, clients) = (listeners.Sum(l => l.SessionCount), state.PoolerClients);
        LogDrainStarted(logger, sessions, clients, timeout.TotalSeconds);
        var ending = Task.WhenAll([
            .. listeners.Select(l => l.DrainAsync(timeout, cancellationToken)),
            .. poolers.Select(p => p.Pooler.DrainAsync(timeout, cancellationToken)),
            .. poolServices.Select(p => p.Pooler.DrainAsync(timeout, cancellationToken)),
        ]);
        while (await Task.WhenAny(ending, Task.Delay(DrainProgressInterval, time, cancellationToken)) != ending)
        {
            var open = OpenSessions;
            LogDrainProgress(logger, open);
        }
        var all = (await ending).All(done => done);
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        if (all)
        {
            LogDrained(logger, seconds);
        }
        else
        {
            var open = OpenSessions;
            LogDrainTimedOut(logger, open, seconds);
        }
        return all;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "draining: every service and pooler port closed; {Sessions} service sessions and {Clients} pooler clients open (at most {Seconds}s)")]
    private static partial void LogDrainStarted(ILogger logger, int sessions, int clients, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "draining: {Sessions} sessions remain")]
    private static partial void LogDrainProgress(ILogger logger, int sessions);

    [LoggerMessage(Level = LogLevel.Information, Message = "drained: every session ended ({Seconds:0.###}s)")]
    private static partial void LogDrained(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "drain timeout: closing {Sessions} sessions still open ({Seconds:0.###}s)")]
    private static partial void LogDrainTimedOut(ILogger logger, int sessions, double seconds);
}
