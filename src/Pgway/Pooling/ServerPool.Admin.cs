using Pgway.Transport;

namespace Pgway.Pooling;

// What the admin console does to a pool: PAUSE and RESUME, RECONNECT and KILL (a new generation:
// older servers are closed instead of reused), and what SHOW SERVERS lists of its idle servers.
internal sealed partial class ServerPool
{
    private volatile bool paused;
    private volatile int generation;

    /// <summary>
    /// While paused, clients queue instead of getting a server, and servers given back wait idle:
    /// once none is lent, no query runs on this pool (PgBouncer's PAUSE).
    /// </summary>
    public bool Paused => paused;

    /// <summary>Servers opened before the last RECONNECT or KILL have an older generation and are closed when released.</summary>
    public int Generation => generation;

    /// <summary>No server lent or being connected: every server this pool has is idle.</summary>
    public bool Quiet
    {
        get
        {
            lock (gate)
            {
                return slots.Total == idle.Count;
            }
        }
    }

    /// <summary>Servers lent or being connected now.</summary>
    public int InUse
    {
        get
        {
            lock (gate)
            {
                return slots.Total - idle.Count;
            }
        }
    }

    public void Pause() => paused = true;

    /// <summary>Lends servers again: the queued clients get the idle ones now, and new slots at the pooler's next sweep.</summary>
    public void Resume()
    {
        paused = false;
        foreach (var loop in LoopsWithIdle())
        {
            loop.Post(() => HandOverAll(loop));
        }
    }

    /// <summary>A new generation: idle servers are closed at once (on their loops), lent ones when released.</summary>
    public void Reconnect()
    {
        Interlocked.Increment(ref generation);
        foreach (var loop in LoopsWithIdle())
        {
            loop.Post(() => CloseExpiredIdle(loop, time.GetUtcNow()));
        }
    }

    /// <summary>Idle servers older than <paramref name="current"/>: those WAIT_CLOSE still waits for (the lent ones are counted by their clients).</summary>
    public int IdleOlderThan(int current)
    {
        lock (gate)
        {
            var count = 0;
            foreach (var server in idle.All())
            {
                if (server.Generation < current)
                {
                    count++;
                }
            }
            return count;
        }
    }

    /// <summary>The idle servers now, as SHOW SERVERS lists them.</summary>
    public List<ServerSnapshot> IdleServers()
    {
        var list = new List<ServerSnapshot>();
        lock (gate)
        {
            foreach (var server in idle.All())
            {
                // Nobody changes an idle server's parameters: a client takes it out of this list first.
                list.Add(ServerSnapshot.Of(server, this, clientId: null, requestTime: server.IdleSince));
            }
        }
        return list;
    }
}
