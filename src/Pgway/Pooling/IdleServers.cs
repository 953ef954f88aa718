using Pgway.Transport;

namespace Pgway.Pooling;

/// <summary>
/// A pool's idle servers, by the loop each is attached to, oldest first: a client takes the most
/// recently used one of its own loop (no system call, and the oldest age out), and a loop that has
/// none may be handed one by another. Not thread-safe: used under the pool's lock.
/// </summary>
internal sealed class IdleServers
{
    private readonly Dictionary<EpollLoop, List<PooledServer>> byLoop = [];

    public int Count { get; private set; }

    public void Add(EpollLoop loop, PooledServer server)
    {
        if (!byLoop.TryGetValue(loop, out var list))
        {
            byLoop[loop] = list = [];
        }
        list.Add(server);
        Count++;
    }

    /// <summary>The most recently used on <paramref name="loop"/>, taken out; null when it has none.</summary>
    public PooledServer? TakeNewest(EpollLoop loop)
    {
        if (!byLoop.TryGetValue(loop, out var list) || list.Count == 0)
        {
            return null;
        }
        var server = list[^1];
        list.RemoveAt(list.Count - 1);
        Count--;
        return server;
    }

    /// <summary>The oldest on <paramref name="loop"/> (the one least likely to be wanted soon), taken out; null when it has none.</summary>
    public PooledServer? TakeOldest(EpollLoop loop)
    {
        if (!byLoop.TryGetValue(loop, out var list) || list.Count == 0)
        {
            return null;
        }
        var server = list[0];
        list.RemoveAt(0);
        Count--;
        return server;
    }

    /// <summary>Takes out, oldest first, the servers on <paramref name="loop"/> that <paramref name="take"/> chooses (it is asked about each in turn).</summary>
    public void TakeWhere(EpollLoop loop, Func<PooledServer, bool> take)
    {
        if (!byLoop.TryGetValue(loop, out var list))
        {
            return;
        }
        for (var i = 0; i < list.Count;)
        {
            if (take(list[i]))
            {
                list.RemoveAt(i);
                Count--;
                continue;
            }
            i++;
        }
    }

    public bool Has(EpollLoop loop) => byLoop.TryGetValue(loop, out var list) && list.Count > 0;

    /// <summary>A loop with an idle server; null when none has (no enumerator allocated, as a LINQ query would).</summary>
    public EpollLoop? AnyLoop()
    {
        foreach (var (loop, servers) in byLoop)
        {
            if (servers.Count > 0)
            {
                return loop;
            }
        }
        return null;
    }

    /// <summary>The loops with idle servers now.</summary>
    public EpollLoop[] Loops()
    {
        var loops = new List<EpollLoop>(byLoop.Count);
        foreach (var (loop, servers) in byLoop)
        {
            if (servers.Count > 0)
            {
                loops.Add(loop);
            }
        }
        return [.. loops];
    }

    /// <summary>Every idle server, for the admin console; they stay idle.</summary>
    public IEnumerable<PooledServer> All()
    {
        foreach (var list in byLoop.Values)
        {
            foreach (var server in list)
            {
                yield return server;
            }
        }
    }
}
