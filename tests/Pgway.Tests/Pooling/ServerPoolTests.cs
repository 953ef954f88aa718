using System.Net;
using Microsoft.Extensions.Time.Testing;
using Pgway.Pooling;
using Pgway.Transport;

// Each ValueTask a pool returns is read once: awaited, or read after its completion is asserted.
#pragma warning disable CA2012

namespace Pgway.Tests.Pooling;

/// <summary>
/// The pool core on fake time: who gets a server or a slot, when a client waits and how its wait
/// ends, and what happens to idle servers. Waits end on the waiter's loop, so results are awaited
/// (bounded); time itself never passes in these tests.
/// </summary>
[Collection(PoolLoopsGroup.Name)]
public sealed class ServerPoolTests(PoolLoops loops)
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider time = new(Start);

    private static Task<PoolAcquisition> Outcome(ValueTask<PoolAcquisition> acquiring) => acquiring.AsTask().WaitAsync(PoolLoops.Bound);

    private static PoolAcquisition Now(ValueTask<PoolAcquisition> acquiring)
    {
        Assert.True(acquiring.IsCompletedSuccessfully);
        return acquiring.Result;
    }

    // A server for a slot, idle on the loop.
    private PooledServer Open(ServerPool pool, EpollLoop loop) => OpenMany(pool, loop, 1)[0];

    // Servers for as many slots, idle on the loop, oldest first.
    private PooledServer[] OpenMany(ServerPool pool, EpollLoop loop, int count)
    {
        var servers = new PooledServer[count];
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loop, TimeSpan.Zero, null)).Outcome);
            servers[i] = loops.Server(time.GetUtcNow());
        }
        foreach (var server in servers)
        {
            pool.Release(server, loop);
        }
        return servers;
    }

    [Fact]
    public async Task AcquireAsync_PoolFull_WaitsUntilAServerIsReleased()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var client = new TestWaitingClient();

        var waiting = pool.AcquireAsync(loops.A, TimeSpan.Zero, client);

        Assert.Same(client.Waiter, client.Queued);
        Assert.Equal(1, pool.Waiting);
        var server = loops.Server(Start);
        pool.Release(server, loops.A);
        var got = await Outcome(waiting);
        Assert.Equal(AcquireOutcome.Server, got.Outcome);
        Assert.Same(server, got.Server);
        Assert.Equal((1, 0, 0), (pool.Total, pool.Idle, pool.Waiting));
    }

    [Fact]
    public async Task AcquireAsync_IdleOnAnotherLoopOnly_HandedOverDetached()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), time);
        var server = Open(pool, loops.A);

        var got = await Outcome(pool.AcquireAsync(loops.B, TimeSpan.Zero, new TestWaitingClient()));

        Assert.Equal(AcquireOutcome.Server, got.Outcome);
        Assert.Same(server, got.Server);
        Assert.Null(server.Attached);
        Assert.Equal((1, 0), (pool.Total, pool.Idle));
    }

    [Fact]
    public async Task ServeWaiters_ReserveTimeoutPassed_WaiterGetsAReserveSlot()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1, reserveSize: 1, reserveTimeout: 5), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var waiting = pool.AcquireAsync(loops.A, TimeSpan.Zero, new TestWaitingClient());

        pool.ServeWaiters(Start + TimeSpan.FromSeconds(4.9));
        Assert.Equal((1, 1), (pool.Total, pool.Waiting));
        pool.ServeWaiters(Start + TimeSpan.FromSeconds(5));

        Assert.Equal(AcquireOutcome.Slot, (await Outcome(waiting)).Outcome);
        Assert.Equal((2, 0), (pool.Total, pool.Waiting));
        // The reserve is for those who waited: a new client gets no slot of it.
        Assert.False(pool.AcquireAsync(loops.A, TimeSpan.FromSeconds(1), new TestWaitingClient()).IsCompleted);
    }

    [Fact]
    public void TakeSlotsForMinimum_OnceCredentialsAreKnown_MakesUpMinPoolSize()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 5, minSize: 3), time);
        Assert.Equal(0, pool.TakeSlotsForMinimum(Start));

        pool.Credentials = new ServerCredentials("user", "secret");
        Assert.Equal(3, pool.TakeSlotsForMinimum(Start));
        Assert.Equal(0, pool.TakeSlotsForMinimum(Start));
        Assert.Equal(3, pool.Total);
    }

    [Fact]
    public void CloseExpiredIdle_PastIdleTimeout_KeepsMinPoolSize()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 5, minSize: 3, idleTimeout: 1), time);
        pool.Credentials = new ServerCredentials("user", "secret");
        for (var missing = pool.TakeSlotsForMinimum(Start); missing > 0; missing--)
        {
            pool.Release(loops.Server(Start), loops.A);
        }

        pool.CloseExpiredIdle(loops.A, Start + TimeSpan.FromHours(1));

        Assert.Equal((3, 3), (pool.Total, pool.Idle));
    }

    [Fact]
    public void CloseExpiredIdle_PastIdleTimeout_ClosesThoseAboveTheMinimum()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 5, minSize: 1, idleTimeout: 10), time);
        var servers = OpenMany(pool, loops.A, 3);

        pool.CloseExpiredIdle(loops.A, Start + TimeSpan.FromSeconds(9.9));
        Assert.Equal(3, pool.Idle);
        pool.CloseExpiredIdle(loops.A, Start + TimeSpan.FromSeconds(10));

        Assert.Equal((1, 1), (pool.Total, pool.Idle));
        // The oldest go first.
        Assert.Equal([true, true, false], servers.Select(s => s.Socket.SafeHandle.IsClosed));
    }

    [Fact]
    public void Release_PastServerLifetime_ClosedAndSlotGivenBack()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 2, lifetime: 60), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var server = loops.Server(Start);
        time.Advance(TimeSpan.FromSeconds(60));

        pool.Release(server, loops.A);

        Assert.Equal((0, 0), (pool.Total, pool.Idle));
        Assert.True(server.Socket.SafeHandle.IsClosed);
    }

    [Fact]
    public void AcquireAsync_IdleServerPastLifetime_ClosedAndASlotGivenInstead()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1, lifetime: 60), time);
        var server = Open(pool, loops.A);
        time.Advance(TimeSpan.FromSeconds(61));

        var got = Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null));

        Assert.Equal(AcquireOutcome.Slot, got.Outcome);
        Assert.True(server.Socket.SafeHandle.IsClosed);
        Assert.Equal((1, 0), (pool.Total, pool.Idle));
    }

    [Fact]
    public async Task AcquireAsync_AfterAServerLost_IdleServersToItsAddressClosedOthersLent()
    {
        // A shutdown kills every backend at once: one client's server is lost, and the FATAL of an
        // idle one may not have been read by its loop yet (or not written) when that client's next
        // request comes.
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 3), time);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        }
        var elsewhere = loops.ServerAndPeer(Start, new IPEndPoint(IPAddress.Parse("127.0.0.12"), 5432)).Server;
        var quiet = loops.Server(Start);
        var (killed, database) = loops.ServerAndPeer(Start);
        var lost = loops.Server(Start);
        await PoolLoops.OnLoop(loops.A, () =>
        {
            foreach (var server in (PooledServer[])[elsewhere, quiet, killed])
            {
                server.AttachTo(loops.A);
                pool.Release(server, loops.A);
            }
            return 0;
        });

        pool.NoteServerLost(lost.Lease);
        // In one turn of the loop, so that it cannot have read what the database wrote.
        var (first, second) = await PoolLoops.OnLoop(loops.A, () =>
        {
            database.Send("E"u8);
            SpinWait.SpinUntil(() => !LoopSocket.IsQuiet(killed.Socket), PoolLoops.Bound);
            Assert.False(killed.Attached!.ReadableReported);
            return (Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)), Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)));
        });

        Assert.Same(elsewhere, first.Server);
        Assert.Equal(AcquireOutcome.Slot, second.Outcome);
        Assert.True(killed.Socket.SafeHandle.IsClosed);
        Assert.True(quiet.Socket.SafeHandle.IsClosed);
        Assert.Equal((2, 0), (pool.Total, pool.Idle));
    }

    [Fact]
    public void NoteServerLost_AgainWithinASecond_ServersIdleSinceTheFirstAreLent()
    {
        // A client may end its own backend (pg_terminate_backend) over and over: the pool does not
        // reconnect every idle server each time.
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var lost = loops.Server(Start).Lease;
        pool.NoteServerLost(lost);
        var server = loops.Server(Start);
        pool.Release(server, loops.A);

        time.Advance(TimeSpan.FromMilliseconds(999));
        pool.NoteServerLost(lost);
        var lent = Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null));
        Assert.Same(server, lent.Server);
        pool.Release(server, loops.A);

        time.Advance(TimeSpan.FromMilliseconds(1));
        pool.NoteServerLost(lost);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        Assert.True(server.Socket.SafeHandle.IsClosed);
    }

    [Fact]
    public void Release_AfterAServerLost_ServerUsedSinceIsLentAgain()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var server = loops.Server(Start);
        pool.NoteServerLost(loops.Server(Start).Lease);

        pool.Release(server, loops.A);

        Assert.Same(server, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Server);
    }

    [Fact]
    public async Task Pause_IdleServerWaitsUntilResume()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), time);
        var server = Open(pool, loops.A);
        pool.Pause();

        var waiting = pool.AcquireAsync(loops.A, TimeSpan.Zero, new TestWaitingClient());
        Assert.Equal((1, 1, true), (pool.Idle, pool.Waiting, pool.Quiet));
        pool.Resume();

        var got = await Outcome(waiting);
        Assert.Equal(AcquireOutcome.Server, got.Outcome);
        Assert.Same(server, got.Server);
    }

    [Fact]
    public async Task Release_WhilePaused_ServerStaysIdleAndTheWaiterQueued()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var waiting = pool.AcquireAsync(loops.A, TimeSpan.Zero, new TestWaitingClient());
        pool.Pause();

        pool.Release(loops.Server(Start), loops.A);
        Assert.Equal((1, 1), (pool.Idle, pool.Waiting));
        pool.Resume();

        Assert.Equal(AcquireOutcome.Server, (await Outcome(waiting)).Outcome);
        Assert.Equal((0, 0), (pool.Idle, pool.Waiting));
    }

    [Fact]
    public async Task ExpireWaiters_QueryWaitTimeoutPassed_TimedOut()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var waiting = pool.AcquireAsync(loops.A, TimeSpan.FromSeconds(5), new TestWaitingClient());
        var forever = pool.AcquireAsync(loops.A, TimeSpan.Zero, new TestWaitingClient());

        pool.ExpireWaiters(Start + TimeSpan.FromSeconds(4.9));
        Assert.Equal(2, pool.Waiting);
        pool.ExpireWaiters(Start + TimeSpan.FromSeconds(5));

        Assert.Equal(AcquireOutcome.TimedOut, (await Outcome(waiting)).Outcome);
        Assert.Equal(1, pool.Waiting);
        Assert.False(forever.IsCompleted);
    }

    [Fact]
    public async Task CancelWait_Queued_CancelledAndOutOfTheQueue()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var client = new TestWaitingClient();
        var waiting = pool.AcquireAsync(loops.B, TimeSpan.Zero, client);

        pool.CancelWait(client.Queued!);

        Assert.Equal(AcquireOutcome.Cancelled, (await Outcome(waiting)).Outcome);
        Assert.Equal(0, pool.Waiting);
        // The slot it did not get is still the holder's, and goes back whole.
        pool.Discard(null);
        Assert.Equal(0, pool.Total);
    }

    [Fact]
    public async Task CancelWait_OnTheWaitersLoop_EndsItAfterTheCallerIsDone()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var client = new TestWaitingClient();
        var waiting = pool.AcquireAsync(loops.A, TimeSpan.Zero, client).AsTask();

        // The session cancels its own wait (its timeout, pgway stopping) and goes on with its own
        // code: its wait must not resume inside that call.
        var completedInside = await PoolLoops.OnLoop(loops.A, () =>
        {
            pool.CancelWait(client.Queued!);
            return waiting.IsCompleted;
        }).WaitAsync(PoolLoops.Bound);

        Assert.False(completedInside);
        Assert.Equal(AcquireOutcome.Cancelled, (await waiting.WaitAsync(PoolLoops.Bound)).Outcome);
    }

    [Fact]
    public async Task CancelWait_AlreadyGranted_TheServerStillArrives()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var client = new TestWaitingClient();
        var waiting = pool.AcquireAsync(loops.B, TimeSpan.Zero, client);
        pool.Release(loops.Server(Start), loops.A);

        pool.CancelWait(client.Queued!);

        Assert.Equal(AcquireOutcome.Server, (await Outcome(waiting)).Outcome);
    }

    [Fact]
    public async Task ConnectFailed_NoServerLeft_WaitersToldAndNewClientsRefusedUntilLoginRetry()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1, loginRetry: 15), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var waiting = pool.AcquireAsync(loops.A, TimeSpan.Zero, new TestWaitingClient());

        pool.ConnectFailed("password authentication failed");

        var told = await Outcome(waiting);
        Assert.Equal(AcquireOutcome.LoginFailing, told.Outcome);
        Assert.Contains("password authentication failed", told.LoginFailingMessage, StringComparison.Ordinal);
        Assert.Contains("server_login_retry", told.LoginFailingMessage, StringComparison.Ordinal);
        Assert.Equal(AcquireOutcome.LoginFailing, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
    }

    [Fact]
    public async Task ConnectFailed_ServersLeft_WaitersKeepWaitingAndGetNoNewSlot()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 2, loginRetry: 15), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        var waiting = pool.AcquireAsync(loops.A, TimeSpan.Zero, new TestWaitingClient());

        pool.ConnectFailed("connection refused");
        pool.ServeWaiters(Start);
        Assert.Equal((1, 1), (pool.Total, pool.Waiting));

        pool.ServeWaiters(Start + TimeSpan.FromSeconds(15));
        Assert.Equal(AcquireOutcome.Slot, (await Outcome(waiting)).Outcome);
    }

    [Fact]
    public void NoteLoginSuccess_EndsTheBackOff()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1, loginRetry: 15), time);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
        pool.ConnectFailed("connection refused");

        pool.NoteLoginSuccess();

        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);
    }

    [Fact]
    public async Task ServeWaiters_DatabaseBudgetHeldByAnotherPool_ReportsItUntilFreed()
    {
        var databaseBudget = new ConnectionBudget("max_db_connections", 1);
        var first = PoolLoops.Pool(PoolLoops.Limits(size: 5), time, databaseBudget);
        var second = PoolLoops.Pool(PoolLoops.Limits(size: 5), time, databaseBudget);
        Open(first, loops.A);
        var waiting = second.AcquireAsync(loops.A, TimeSpan.Zero, new TestWaitingClient());

        Assert.Same(databaseBudget, second.ServeWaiters(Start));
        Assert.Contains("max_db_connections 1 reached", second.Describe(), StringComparison.Ordinal);
        first.CloseOneIdle(loops.A);

        Assert.Null(second.ServeWaiters(Start));
        Assert.Equal(AcquireOutcome.Slot, (await Outcome(waiting)).Outcome);
        Assert.Equal((0, 1), (first.Total, second.Total));
    }

    [Fact]
    public void AcquireAsync_UserBudgetExhausted_NoSlotAndTheDatabaseBudgetUntouched()
    {
        var databaseBudget = new ConnectionBudget("max_db_connections", 0);
        var userBudget = new ConnectionBudget("max_user_connections", 1);
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 5), time, databaseBudget, userBudget);
        Assert.Equal(AcquireOutcome.Slot, Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null)).Outcome);

        Assert.False(pool.AcquireAsync(loops.A, TimeSpan.Zero, new TestWaitingClient()).IsCompleted);

        Assert.Equal((1, 1), (databaseBudget.Used, userBudget.Used));
        Assert.Same(userBudget, pool.ServeWaiters(Start));
    }

    [Fact]
    public void Reconnect_IdleServersOfTheOldGenerationAreNotLent()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), time);
        var server = Open(pool, loops.A);

        pool.Reconnect();
        var got = Now(pool.AcquireAsync(loops.A, TimeSpan.Zero, null));

        Assert.Equal(AcquireOutcome.Slot, got.Outcome);
        Assert.True(server.Socket.SafeHandle.IsClosed);
    }

    [Fact]
    public void AcquireAsync_ServedAtOnce_AllocatesNothing()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 10), TimeProvider.System);
        // Compiled, and every lazily made object made, before counting.
        AcquireAndGiveBack(pool, loops.A, 3);

        var before = GC.GetAllocatedBytesForCurrentThread();
        AcquireAndGiveBack(pool, loops.A, 100);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Once per transaction for every client: the closure a hand-over needs must not be made
        // when nobody waits (it was, at every call).
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task AcquireAsync_WaitedAndServedOnItsLoop_AllocatesNothing()
    {
        var pool = PoolLoops.Pool(PoolLoops.Limits(size: 1), TimeProvider.System);
        var server = Open(pool, loops.A);
        var (holder, waiter) = (new TestWaitingClient(), new TestWaitingClient());

        // On the loop, where a server released is handed to the waiter inline: the whole wait is counted.
        var allocated = await PoolLoops.OnLoop(loops.A, () =>
        {
            WaitAndServe(pool, loops.A, holder, waiter, server, 3);
            var before = GC.GetAllocatedBytesForCurrentThread();
            WaitAndServe(pool, loops.A, holder, waiter, server, 100);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }).WaitAsync(PoolLoops.Bound);

        // Each client reuses its own waiter, linked into the queue by its own fields: a wait costs
        // no waiter, no queue node and no closure (it cost about 300 bytes).
        Assert.Equal(0, allocated);
    }

    // Not async, and every acquire completes at once: nothing of the test's own is counted (a Debug
    // build makes an async method's state machine a class, allocated at each call).
    private static void AcquireAndGiveBack(ServerPool pool, EpollLoop loop, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var slot = pool.AcquireAsync(loop, TimeSpan.FromSeconds(5), client: null);
            // Not Assert.Equal: its comparer would be counted.
            if (!slot.IsCompletedSuccessfully || slot.Result.Outcome != AcquireOutcome.Slot)
            {
                throw new InvalidOperationException("no slot at once");
            }
            // The slot for a new server, not used: given back.
            pool.Discard(null);
        }
    }

    // The holder takes the only server, the waiter queues for it, the holder releases it to the
    // waiter (inline: same loop), and the waiter gives it back idle.
    private static void WaitAndServe(ServerPool pool, EpollLoop loop, TestWaitingClient holder, TestWaitingClient waiter, PooledServer server, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var held = pool.AcquireAsync(loop, TimeSpan.FromSeconds(5), holder);
            if (!held.IsCompletedSuccessfully || held.Result.Server != server)
            {
                throw new InvalidOperationException("the holder did not get the idle server");
            }
            var waiting = pool.AcquireAsync(loop, TimeSpan.FromSeconds(5), waiter);
            if (waiting.IsCompleted)
            {
                throw new InvalidOperationException("the waiter did not wait");
            }
            pool.Release(server, loop);
            if (!waiting.IsCompletedSuccessfully || waiting.Result.Server != server)
            {
                throw new InvalidOperationException("the waiter was not served inline");
            }
            pool.Release(server, loop);
        }
    }
}
