namespace Pgway.Pooling;

// Holds: pgway's own PAUSE, taken by a switchover (or while Patroni's leader key names no leader), apart from
// the console's PAUSE so that neither's RESUME ends the other. Each holder releases its own hold; the pools
// lend servers again once no hold, PAUSE or KILL is left.
internal sealed partial class Pooler
{
    private readonly Lock holdGate = new();
    private readonly Dictionary<string, int> holds = new(StringComparer.Ordinal);
    private volatile bool held;

    /// <summary>Whether a hold is taken now (new transactions wait for a server, as under PAUSE).</summary>
    public bool IsHeld => held;

    /// <summary>Who holds the pooler now (e.g. "switchover of pg-test"), for the status and the console.</summary>
    public IReadOnlyList<string> Holders()
    {
        lock (holdGate)
        {
            return [.. holds.Keys];
        }
    }

    /// <summary>
    /// Takes a hold for <paramref name="holder"/>: clients starting a transaction wait (up to
    /// <c>query_wait_timeout</c>) instead of getting a server; transactions under way go on.
    /// </summary>
    public void Hold(string holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        lock (holdGate)
        {
            holds[holder] = holds.GetValueOrDefault(holder) + 1;
            held = true;
        }
        foreach (var pool in pools.Values)
        {
            pool.Pause();
        }
    }

    /// <summary>Releases one hold of <paramref name="holder"/>; the pools resume when nothing else pauses them. False when it held none.</summary>
    public bool Release(string holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        lock (holdGate)
        {
            if (!holds.TryGetValue(holder, out var count))
            {
                return false;
            }
            if (count > 1)
            {
                holds[holder] = count - 1;
                return true;
            }
            holds.Remove(holder);
            held = holds.Count > 0;
        }
        foreach (var pool in pools.Values)
        {
            if (!IsPaused(pool.Database))
            {
                pool.Resume();
            }
        }
        return true;
    }

    /// <summary>Servers lent to clients (or being connected) now: the transactions a hold still waits for.</summary>
    public int ServersInUse()
    {
        var inUse = 0;
        foreach (var pool in pools.Values)
        {
            inUse += pool.InUse;
        }
        return inUse;
    }
}
