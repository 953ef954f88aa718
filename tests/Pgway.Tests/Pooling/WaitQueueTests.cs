using Pgway.Pooling;

// Each ValueTask a pool returns is read once: awaited, or read after its completion is asserted.
#pragma warning disable CA2012

namespace Pgway.Tests.Pooling;

/// <summary>The pool's queue of waiting clients: first come first served, with a short preference for the releasing loop.</summary>
[Collection(PoolLoopsGroup.Name)]
public sealed class WaitQueueTests(PoolLoops loops)
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Preference = TimeSpan.FromMilliseconds(2);

    private static PoolWaiter Waiter(Pgway.Transport.EpollLoop loop, double since, double wait = 0)
    {
        var waiter = new PoolWaiter();
        _ = waiter.Arm(loop, Start + TimeSpan.FromSeconds(since), wait > 0 ? Start + TimeSpan.FromSeconds(since + wait) : DateTimeOffset.MaxValue);
        return waiter;
    }

    [Fact]
    public void TakeFirst_InArrivalOrder()
    {
        var queue = new WaitQueue();
        var (first, second, third) = (Waiter(loops.A, 0), Waiter(loops.B, 1), Waiter(loops.A, 2));
        queue.Enqueue(first);
        queue.Enqueue(second);
        queue.Enqueue(third);

        Assert.True(queue.Remove(second));
        Assert.False(queue.Remove(second));

        Assert.Same(first, queue.TakeFirst());
        Assert.Same(third, queue.TakeFirst());
        Assert.Null(queue.TakeFirst());
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void TakeFor_FirstJustArrivedOnAnotherLoop_OneOnTheReleasingLoopPreferred()
    {
        var queue = new WaitQueue();
        var (other, mine) = (Waiter(loops.B, 0), Waiter(loops.A, 0));
        queue.Enqueue(other);
        queue.Enqueue(mine);

        Assert.Same(mine, queue.TakeFor(loops.A, Start + TimeSpan.FromMilliseconds(1), Preference));
        Assert.Same(other, queue.First);
    }

    [Fact]
    public void TakeFor_FirstWaitedPastThePreference_FirstServed()
    {
        var queue = new WaitQueue();
        var (other, mine) = (Waiter(loops.B, 0), Waiter(loops.A, 0));
        queue.Enqueue(other);
        queue.Enqueue(mine);

        Assert.Same(other, queue.TakeFor(loops.A, Start + Preference, Preference));
        Assert.Same(mine, queue.First);
    }

    [Fact]
    public void TakeExpired_OnlyThosePastTheirDeadline_InOrder()
    {
        var queue = new WaitQueue();
        var (soon, never, later, sooner) = (Waiter(loops.A, 0, wait: 5), Waiter(loops.A, 0), Waiter(loops.A, 0, wait: 10), Waiter(loops.A, 1, wait: 1));
        foreach (var waiter in new[] { soon, never, later, sooner })
        {
            queue.Enqueue(waiter);
        }

        var expired = queue.TakeExpired(Start + TimeSpan.FromSeconds(5));

        Assert.Same(soon, expired);
        Assert.Same(sooner, expired!.Next);
        Assert.Null(sooner.Next);
        Assert.Equal(2, queue.Count);
        Assert.Same(never, queue.TakeFirst());
        Assert.Same(later, queue.TakeFirst());
    }

    [Fact]
    public void TakeAll_EmptiesTheQueueAsAChain()
    {
        var queue = new WaitQueue();
        var (first, second) = (Waiter(loops.A, 0), Waiter(loops.B, 0));
        queue.Enqueue(first);
        queue.Enqueue(second);

        var all = queue.TakeAll();

        Assert.Same(first, all);
        Assert.Same(second, all!.Next);
        Assert.Equal(0, queue.Count);
        Assert.Null(queue.First);
        // Taken out: a late cancel finds nothing to remove.
        Assert.False(queue.Remove(first));
    }
}
