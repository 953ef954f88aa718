using Pgway.Transport;

namespace Pgway.Pooling;

// The idle servers' upkeep, each on the loop they are attached to: ageing out, the minimum kept
// open, and the hand-over to a client waiting on another loop.
internal sealed partial class ServerPool
{
    /// <summary>
    /// On <paramref name="loop"/>: closes its idle servers that are past <c>server_lifetime</c>, idle
    /// longer than <c>server_idle_timeout</c> (keeping <c>min_pool_size</c>), closed by the server, or
    /// idle since before a server at the same address was lost.
    /// </summary>
    public void CloseExpiredIdle(EpollLoop loop, DateTimeOffset now)
    {
        lock (gate)
        {
            var limits = Limits;
            idle.TakeWhere(loop, server =>
            {
                var idleTooLong = limits.IdleTimeout > TimeSpan.Zero && now - server.IdleSince >= limits.IdleTimeout && slots.Total > limits.MinSize;
                if (!idleTooLong && IsLendable(server, now))
                {
                    return false;
                }
                server.Close();
                slots.Return();
                return true;
            });
        }
    }

    /// <summary>On <paramref name="loop"/>: closes one of its idle servers, to free a budget another pool waits for.</summary>
    public void CloseOneIdle(EpollLoop loop)
    {
        lock (gate)
        {
            // The oldest: the one least likely to be wanted soon.
            if (idle.TakeOldest(loop) is { } server)
            {
                server.Close();
                slots.Return();
            }
        }
    }

    /// <summary>Slots for the servers missing to <c>min_pool_size</c>: the caller connects that many (once a client has logged in, and while log-ins work).</summary>
    public int TakeSlotsForMinimum(DateTimeOffset now)
    {
        lock (gate)
        {
            var limits = Limits;
            var taken = 0;
            while (Credentials is not null && login.Failure(now, limits.LoginRetry) is null && slots.Total < limits.MinSize && slots.TryTake(limits, reserve: false))
            {
                taken++;
            }
            return taken;
        }
    }

    /// <summary>Closes the idle servers attached to <paramref name="loop"/> (at stop, on that loop).</summary>
    public void CloseIdle(EpollLoop loop)
    {
        lock (gate)
        {
            while (idle.TakeOldest(loop) is { } server)
            {
                server.Close();
                slots.Return();
            }
        }
    }

    /// <summary>The loops that hold idle servers now.</summary>
    public EpollLoop[] LoopsWithIdle()
    {
        lock (gate)
        {
            return idle.Loops();
        }
    }

    // A method of its own: a lambda in AcquireAsync would make its closure on every call, the
    // served-at-once ones too.
    private void PostHandOver(EpollLoop donor) => donor.Post(() => HandOver(donor));

    // On the donor loop: one of its idle servers, detached, to the first waiter. False when there
    // was none to give, or nobody to give it to.
    private bool HandOver(EpollLoop donor)
    {
        PoolWaiter? taker;
        PooledServer? server;
        lock (gate)
        {
            if (Paused || waiters.First is null || idle.TakeNewest(donor) is not { } newest)
            {
                return false;
            }
            server = newest;
            taker = IsLendable(server, time.GetUtcNow()) ? waiters.TakeFirst() : null;
        }
        if (taker is null)
        {
            // Closed by the database while idle, or too old: its slot goes to the waiter instead.
            Discard(server);
            return true;
        }
        server.Detach();
        taker.Grant(PoolAcquisition.Of(server));
        return true;
    }

    // On the loop: its idle servers go to the queued clients, one each, while there are both.
    private void HandOverAll(EpollLoop loop)
    {
        while (HandOver(loop))
        {
            // Each turn gave one server (or its slot) to one waiter.
        }
    }
}
