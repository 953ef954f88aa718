using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

/// <summary>A client as the pool sees it: one waiter of its own, and where it waits now.</summary>
internal sealed class TestWaitingClient : IWaitingClient
{
    public PoolWaiter Waiter { get; } = new();

    /// <summary>The waiter the pool queued, for <see cref="ServerPool.CancelWait"/>; null until it waits.</summary>
    public PoolWaiter? Queued { get; private set; }

    public void Waiting(PoolWaiter waiter) => Queued = waiter;
}
