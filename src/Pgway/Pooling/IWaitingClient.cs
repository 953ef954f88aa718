namespace Pgway.Pooling;

/// <summary>A client that may wait for a server: it lends the pool its waiter, and is told when it queues, to give up on cancel.</summary>
internal interface IWaitingClient
{
    /// <summary>The client's own waiter, reused for each of its waits (one at a time): asked for only when it has to wait.</summary>
    PoolWaiter Waiter { get; }

    /// <summary>On the client's loop, when it queues: until its wait ends, <see cref="ServerPool.CancelWait"/> with this waiter ends it.</summary>
    void Waiting(PoolWaiter waiter);
}
