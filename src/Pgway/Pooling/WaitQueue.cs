using Pgway.Transport;

namespace Pgway.Pooling;

/// <summary>
/// A pool's waiting clients, first come first served, linked through the waiters themselves (no node
/// per wait). Not thread-safe: used under the pool's lock. What it takes out, the caller settles
/// after leaving the lock; a chain of several is linked through <see cref="PoolWaiter.Next"/>.
/// </summary>
internal sealed class WaitQueue
{
    private PoolWaiter? head;
    private PoolWaiter? tail;

    public int Count { get; private set; }

    /// <summary>The one waiting longest; null when none waits.</summary>
    public PoolWaiter? First => head;

    public void Enqueue(PoolWaiter waiter)
    {
        waiter.Previous = tail;
        waiter.Next = null;
        waiter.Queued = true;
        if (tail is null)
        {
            head = waiter;
        }
        else
        {
            tail.Next = waiter;
        }
        tail = waiter;
        Count++;
    }

    /// <summary>Takes <paramref name="waiter"/> out; false when it is not queued (taken already, to be settled by its taker).</summary>
    public bool Remove(PoolWaiter waiter)
    {
        if (!waiter.Queued)
        {
            return false;
        }
        if (waiter.Previous is { } previous)
        {
            previous.Next = waiter.Next;
        }
        else
        {
            head = waiter.Next;
        }
        if (waiter.Next is { } next)
        {
            next.Previous = waiter.Previous;
        }
        else
        {
            tail = waiter.Previous;
        }
        waiter.Previous = waiter.Next = null;
        waiter.Queued = false;
        Count--;
        return true;
    }

    /// <summary>Takes the first out; null when none waits.</summary>
    public PoolWaiter? TakeFirst()
    {
        var first = head;
        if (first is not null)
        {
            Remove(first);
        }
        return first;
    }

    /// <summary>
    /// The waiter a server released on <paramref name="loop"/> goes to: the first, unless it has waited
    /// less than <paramref name="ownLoopPreference"/>, when one on <paramref name="loop"/> itself is
    /// preferred (no hand-over between threads). After that long, first come first served wins, or a
    /// loop whose clients keep coming back would starve the other loops' clients.
    /// </summary>
    public PoolWaiter? TakeFor(EpollLoop loop, DateTimeOffset now, TimeSpan ownLoopPreference)
    {
        if (head is not { } first)
        {
            return null;
        }
        if (first.Loop != loop && now - first.Since < ownLoopPreference)
        {
            for (var waiter = first.Next; waiter is not null; waiter = waiter.Next)
            {
                if (waiter.Loop == loop)
                {
                    Remove(waiter);
                    return waiter;
                }
            }
        }
        Remove(first);
        return first;
    }

    /// <summary>Takes out every waiter whose deadline is past, as a chain through <see cref="PoolWaiter.Next"/>.</summary>
    public PoolWaiter? TakeExpired(DateTimeOffset now)
    {
        PoolWaiter? chain = null;
        PoolWaiter? last = null;
        for (var waiter = head; waiter is not null;)
        {
            var next = waiter.Next;
            if (waiter.Deadline <= now)
            {
                Remove(waiter);
                Append(ref chain, ref last, waiter);
            }
            waiter = next;
        }
        return chain;
    }

    /// <summary>Takes out every waiter, as a chain through <see cref="PoolWaiter.Next"/>.</summary>
    public PoolWaiter? TakeAll()
    {
        var chain = head;
        for (var waiter = head; waiter is not null; waiter = waiter.Next)
        {
            waiter.Queued = false;
            waiter.Previous = null;
        }
        head = tail = null;
        Count = 0;
        return chain;
    }

    /// <summary>Adds a waiter taken out to a chain of them.</summary>
    public static void Append(ref PoolWaiter? chain, ref PoolWaiter? last, PoolWaiter waiter)
    {
        waiter.Next = null;
        if (last is null)
        {
            chain = waiter;
        }
        else
        {
            last.Next = waiter;
        }
        last = waiter;
    }

    /// <summary>
    /// Settles every waiter of a chain: granted (<paramref name="grant"/>, see <see cref="PoolWaiter.Grant"/>)
    /// or ended (see <see cref="PoolWaiter.End"/>). Each one's link is read before it is settled
    /// (its client may wait again at once).
    /// </summary>
    public static void SettleAll(PoolWaiter? chain, PoolAcquisition result, bool grant)
    {
        while (chain is not null)
        {
            var next = chain.Next;
            chain.Next = null;
            if (grant)
            {
                chain.Grant(result);
            }
            else
            {
                chain.End(result);
            }
            chain = next;
        }
    }
}
