using Pgway.Routing.Epoll;

namespace Pgway.Tests.Routing;

/// <summary>Periodic work run by an epoll loop from its own wait.</summary>
public sealed class EpollLoopTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Every_RunsRepeatedlyOnTheLoopThread_AndNotOnceStopped()
    {
        var loop = EpollLoops.Next();
        var runs = 0;
        var offLoop = 0;
        var thirdRun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tick = loop.Every(TimeSpan.FromMilliseconds(10), () =>
        {
            if (!loop.IsCurrent)
            {
                Interlocked.Increment(ref offLoop);
            }
            if (Interlocked.Increment(ref runs) == 3)
            {
                thirdRun.TrySetResult();
            }
        });

        await thirdRun.Task.WaitAsync(Bound);
        tick.Dispose();
        // A tick already under way may finish; once the loop has run work posted after the
        // disposal, the tick is out of its list and the count stays.
        await loop.RunAsync(() => Task.FromResult(0)).WaitAsync(Bound);
        await loop.RunAsync(() => Task.FromResult(0)).WaitAsync(Bound);
        var stoppedAt = Volatile.Read(ref runs);
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var probe = loop.Every(TimeSpan.FromMilliseconds(50), () => later.TrySetResult());
        await later.Task.WaitAsync(Bound);

        Assert.Equal(0, Volatile.Read(ref offLoop));
        Assert.Equal(stoppedAt, Volatile.Read(ref runs));
    }
}
