using Microsoft.Extensions.Logging;
using Pgway.Health;
using Pgway.Routing;

namespace Pgway.Hosting;

/// <summary>Listeners of services a reload removed: no longer accepting, their sessions run on in the background until they end or the drain timeout.</summary>
internal sealed partial class ServiceRetirement(HealthMonitor monitor, TimeSpan drainTimeout, ILogger logger) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly List<Task> retiring = [];
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Listeners of removed services still running sessions.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return retiring.Count;
            }
        }
    }

    /// <summary>Drains <paramref name="listener"/> (already no longer accepting) in the background, then disposes it.</summary>
    public void Retire(ServiceListener listener)
    {
        var service = listener.Route.Service.FullName;
        LogRetiring(logger, service, listener.SessionCount, drainTimeout.TotalSeconds);
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            retiring.Add(drained.Task);
        }
        _ = Task.Run(async () =>
        {
            try
            {
                if (!await listener.DrainAsync(drainTimeout, stopping.Token))
                {
                    LogRetireTimedOut(logger, service, listener.SessionCount);
                }
            }
            catch (OperationCanceledException)
            {
                // pgway is stopping: the sessions end with it.
            }
            finally
            {
                monitor.StateChanged -= listener.Route.OnHealthChanged;
                await listener.DisposeAsync();
                LogRetired(logger, service);
                lock (gate)
                {
                    retiring.Remove(drained.Task);
                }
                drained.SetResult();
            }
        }, CancellationToken.None);
    }

    /// <summary>Closes the sessions of every listener still retiring, and waits for them to be disposed.</summary>
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        Task[] running;
        lock (gate)
        {
            running = [.. retiring];
        }
        await Task.WhenAll(running);
        stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service} removed: no longer accepting; draining {Sessions} sessions (at most {Seconds}s)")]
    private static partial void LogRetiring(ILogger logger, string service, int sessions, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: drain timeout; closing {Sessions} sessions")]
    private static partial void LogRetireTimedOut(ILogger logger, string service, int sessions);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service} removed: drained")]
    private static partial void LogRetired(ILogger logger, string service);
}
