namespace Pgway.Pooling;

// The ends of a wait other than a server released: the client's cancel, query_wait_timeout, a slot
// freed by the sweep (reserve, budget, server_login_retry over), and log-ins failing.
internal sealed partial class ServerPool
{
    /// <summary>
    /// The client gave up its wait (a cancel request with its key, its timeout, pgway stopping): it
    /// leaves the queue and its wait ends <see cref="AcquireOutcome.Cancelled"/>. Too late when it was
    /// taken out already: then what it was given is on its way.
    /// </summary>
    public void CancelWait(PoolWaiter waiter)
    {
        lock (gate)
        {
            if (!waiters.Remove(waiter))
            {
                return;
            }
        }
        waiter.End(PoolAcquisition.Cancelled);
    }

    /// <summary>Ends the waits whose <c>query_wait_timeout</c> has passed; the pooler calls it a few times a second.</summary>
    public void ExpireWaiters(DateTimeOffset now)
    {
        PoolWaiter? expired;
        lock (gate)
        {
            if (waiters.First is null)
            {
                return;
            }
            expired = waiters.TakeExpired(now);
        }
        WaitQueue.SettleAll(expired, PoolAcquisition.TimedOut, grant: false);
    }

    /// <summary>
    /// Gives waiting clients the slots that have opened: a budget shared with another pool freed, the
    /// reserve now open to those that waited <c>reserve_pool_timeout</c>, or <c>server_login_retry</c>
    /// over. Returns the shared budget that still holds a waiter back, if any, so the pooler can close
    /// an idle server of another pool under it.
    /// </summary>
    public ConnectionBudget? ServeWaiters(DateTimeOffset now)
    {
        PoolWaiter? granted = null, last = null;
        ConnectionBudget? blocked = null;
        lock (gate)
        {
            var limits = Limits;
            if (login.Failure(now, limits.LoginRetry) is null && !Paused)
            {
                while (waiters.First is { } first)
                {
                    var reserve = limits.ReserveSize > 0 && now - first.Since >= limits.ReserveTimeout;
                    if (!slots.TryTake(limits, reserve))
                    {
                        blocked = slots.Blocking(limits, reserve);
                        break;
                    }
                    waiters.Remove(first);
                    WaitQueue.Append(ref granted, ref last, first);
                }
            }
        }
        WaitQueue.SettleAll(granted, PoolAcquisition.Slot, grant: true);
        return blocked;
    }

    /// <summary>
    /// A reserved slot whose server could not be connected or logged in to: the slot is given back,
    /// no new server is tried for <c>server_login_retry</c>, and when the pool is left with no server
    /// to wait for, the waiting clients are told now.
    /// </summary>
    public void ConnectFailed(string error)
    {
        PoolWaiter? told = null;
        lock (gate)
        {
            login.Failed(time.GetUtcNow(), error);
            slots.Return();
            if (slots.Total == 0)
            {
                told = waiters.TakeAll();
            }
        }
        if (told is not null)
        {
            WaitQueue.SettleAll(told, PoolAcquisition.LoginFailing(error), grant: false);
        }
    }

    public void NoteLoginSuccess()
    {
        lock (gate)
        {
            login.Succeeded();
        }
    }
}
