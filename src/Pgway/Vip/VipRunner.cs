using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Pgway.Vip;

/// <summary>
/// Steps every VIP keeper of the process on one background loop: at once when woken (a leader key change, a member
/// going up or down), else when a keeper asks (an announcement due, a grace running out), else every reconcile
/// interval. Stopping removes every VIP this node holds before it returns.
/// </summary>
internal sealed partial class VipRunner : IAsyncDisposable
{
    private readonly IReadOnlyList<VipKeeper> keepers;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource stopping = new();
    private Task? loop;
    private int disposed;

    public VipRunner(IReadOnlyList<VipKeeper> keepers, TimeProvider time, ILogger logger)
    {
        this.keepers = keepers;
        this.time = time;
        this.logger = logger;
    }

    public IReadOnlyList<VipKeeper> Keepers => keepers;

    /// <summary>Each keeper's VIP now.</summary>
    public IReadOnlyList<VipStatus> Status() => [.. keepers.Select(k => k.Status)];

    public void Start()
    {
        if (keepers.Count > 0 && loop is null)
        {
            loop = Task.Run(() => RunAsync(stopping.Token), CancellationToken.None);
        }
    }

    /// <summary>Asks for a step now: something a decision reads has changed.</summary>
    public void Wake() => wake.Writer.TryWrite(true);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var next = StepAll();
            using var timeout = new CancellationTokenSource(next, time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                if (await wake.Reader.WaitToReadAsync(either.Token))
                {
                    wake.Reader.TryRead(out _);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The keepers' own time came.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan StepAll()
    {
        var next = TimeSpan.MaxValue;
        foreach (var keeper in keepers)
        {
            try
            {
                var wait = keeper.Step();
                next = wait < next ? wait : next;
            }
            catch (Exception e)
            {
                // One cluster's failure must not stop the others' VIPs from following their leaders.
                LogStepFailed(logger, keeper.Cluster, e);
                next = next < TimeSpan.FromSeconds(1) ? next : TimeSpan.FromSeconds(1);
            }
        }
        return next == TimeSpan.MaxValue ? TimeSpan.FromSeconds(1) : next;
    }

    /// <summary>Stops the loop, then removes every VIP held here (SIGTERM, shutdown), so the next leader's node need not wait for us.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        await stopping.CancelAsync();
        if (loop is not null)
        {
            await loop;
        }
        foreach (var keeper in keepers)
        {
            keeper.Stop("pgway is stopping");
            try
            {
                keeper.Step();
            }
            catch (Exception e)
            {
                LogStepFailed(logger, keeper.Cluster, e);
            }
        }
        stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Cluster}: the VIP's step failed; retried in a second")]
    private static partial void LogStepFailed(ILogger logger, string cluster, Exception exception);
}
