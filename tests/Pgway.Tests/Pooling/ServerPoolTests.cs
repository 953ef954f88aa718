using Pgway.Pooling;
using Pgway.Routing.Epoll;

namespace Pgway.Tests.Pooling;

/// <summary>The pool's hot path: what a transaction-mode client pays each time it asks for a server.</summary>
public sealed class ServerPoolTests
{
    [Fact]
    public void AcquireAsync_ServedAtOnce_AllocatesNothing()
    {
        var loop = new EpollLoop("pool-test");
        var pool = new ServerPool("db", "user", new PoolLimits(10, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(15)),
            new ConnectionBudget("max_db_connections", 0), new ConnectionBudget("max_user_connections", 0), TimeProvider.System);
        // Compiled, and every lazily made object made, before counting.
        AcquireAndGiveBack(pool, loop, 3);

        var before = GC.GetAllocatedBytesForCurrentThread();
        AcquireAndGiveBack(pool, loop, 100);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Once per transaction for every client: the closure a hand-over needs must not be made
        // when nobody waits (it was, at every call).
        Assert.Equal(0, allocated);
    }

    // Not async, and every acquire completes at once: nothing of the test's own is counted (a Debug
    // build makes an async method's state machine a class, allocated at each call).
    private static void AcquireAndGiveBack(ServerPool pool, EpollLoop loop, int times)
    {
        for (var i = 0; i < times; i++)
        {
#pragma warning disable CA2012 // read without await: its completion is asserted first
            var slot = pool.AcquireAsync(loop, TimeSpan.FromSeconds(5), client: null);
            Assert.True(slot.IsCompletedSuccessfully);
            Assert.Null(slot.Result);
#pragma warning restore CA2012
            // The slot for a new server, not used: given back.
            pool.Discard(null);
        }
    }
}
