using Pgway.Pooling;
using Pgway.Routing.Epoll;

namespace Pgway.Tests.Pooling;

/// <summary>The pool's hot path: what a transaction-mode client pays each time it asks for a server.</summary>
public sealed class ServerPoolTests
{
    [Fact]
    public async Task AcquireAsync_ServedAtOnce_AllocatesNothing()
    {
        var loop = new EpollLoop("pool-test");
        var pool = new ServerPool("db", "user", new PoolLimits(10, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(15)),
            new ConnectionBudget("max_db_connections", 0), new ConnectionBudget("max_user_connections", 0), TimeProvider.System);
        // Compiled, and every lazily made object made, before counting.
        await AcquireAndGiveBack(pool, loop, 3);

        var before = GC.GetAllocatedBytesForCurrentThread();
        await AcquireAndGiveBack(pool, loop, 100);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Once per transaction for every client: the closure a hand-over needs must not be made
        // when nobody waits (it was, at every call).
        Assert.Equal(0, allocated);
    }

    // Awaits that complete at once: no state machine is boxed, nothing of the test's own is counted.
    private static async Task AcquireAndGiveBack(ServerPool pool, EpollLoop loop, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var slot = pool.AcquireAsync(loop, TimeSpan.FromSeconds(5), client: null);
            Assert.True(slot.IsCompletedSuccessfully);
            Assert.Null(await slot);
            // The slot for a new server, not used: given back.
            pool.Discard(null);
        }
    }
}
