using System.Threading.Tasks.Sources;
using Pgway.Routing.Epoll;

namespace Pgway.Pooling;

/// <summary>
/// The server connections of one (database, user), shared by every loop: at most <see cref="Size"/>
/// of them. Idle servers wait on the loop of their last client, and a client takes one of its own
/// loop's first (no system call); failing that, one idle on another loop is handed over. A client
/// that finds none and no room waits, first come first served.
/// </summary>
/// <remarks>Every method that touches a server is called on the loop that server is attached to.</remarks>
internal sealed class ServerPool(string database, string user, int size)
{
    private readonly Lock gate = new();
    private readonly Dictionary<EpollLoop, Stack<PooledServer>> idle = [];
    private readonly LinkedList<Waiter> waiters = new();
    private int total;
    private int idleCount;

    public string Database { get; } = database;

    public string User { get; } = user;

    public int Size { get; } = size;

    /// <summary>How pgway logs in to this pool's servers; set by the first client that authenticates.</summary>
    public ServerCredentials? Credentials { get; set; }

    /// <summary>
    /// The parameters a server reported at log-in, kept from the first: later clients are greeted
    /// with them without waiting for a server (as PgBouncer does).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Welcome { get; set; }

    public int Total
    {
        get
        {
            lock (gate)
            {
                return total;
            }
        }
    }

    public int Idle
    {
        get
        {
            lock (gate)
            {
                return idleCount;
            }
        }
    }

    /// <summary>
    /// On <paramref name="loop"/>: an idle server (attached to this loop, or detached for it to
    /// attach), or null with a slot reserved for the caller to connect a new one; waits while the pool
    /// is full. The caller gives the slot back in every case (<see cref="Release"/> or <see cref="Discard"/>).
    /// </summary>
    public async Task<PooledServer?> AcquireAsync(EpollLoop loop, DateTimeOffset now, TimeSpan lifetime, TimeSpan wait, CancellationToken cancellationToken)
    {
        Waiter waiter;
        EpollLoop? donor = null;
        lock (gate)
        {
            if (idle.TryGetValue(loop, out var mine))
            {
                while (mine.TryPop(out var server))
                {
                    idleCount--;
                    if (server.IsUsable(now, lifetime))
                    {
                        return server;
                    }
                    server.Close();
                    total--;
                }
            }
            if (total < Size)
            {
                total++;
                return null;
            }
            waiter = new Waiter(loop, wait > TimeSpan.Zero ? now + wait : DateTimeOffset.MaxValue);
            waiter.Node = waiters.AddLast(waiter);
            // Idle on another loop while this one waits: that loop hands one over.
            donor = idle.FirstOrDefault(l => l.Value.Count > 0).Key;
        }
        if (donor is not null)
        {
            donor.Post(() => HandOver(donor));
        }
        using var cancel = cancellationToken.UnsafeRegister(static state => ((Waiter)state!).Fail(new OperationCanceledException()), waiter);
        // Completes on this loop's thread, inline or posted (see Waiter).
        return await waiter.Task;
    }

    /// <summary>Fails the waiters whose <c>query_wait_timeout</c> has passed; the pooler calls it a few times a second.</summary>
    public void ExpireWaiters(DateTimeOffset now)
    {
        List<Waiter>? expired = null;
        lock (gate)
        {
            for (var node = waiters.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Deadline <= now)
                {
                    waiters.Remove(node);
                    (expired ??= []).Add(node.Value);
                }
                node = next;
            }
        }
        expired?.ForEach(w => w.Fail(new TimeoutException()));
    }

    /// <summary>On <paramref name="loop"/>: a server back from its client, clean. A waiter on the same loop takes it as it is; one on another loop gets it detached; else it waits here, attached.</summary>
    public void Release(PooledServer server, EpollLoop loop)
    {
        Waiter? taker = null;
        lock (gate)
        {
            for (var node = waiters.First; node is not null; node = node.Next)
            {
                if (node.Value.Loop == loop)
                {
                    waiters.Remove(node);
                    taker = node.Value;
                    break;
                }
            }
            if (taker is null && waiters.First is { } other)
            {
                waiters.RemoveFirst();
                server.Detach();
                taker = other.Value;
            }
            if (taker is null)
            {
                if (!idle.TryGetValue(loop, out var stack))
                {
                    idle[loop] = stack = new Stack<PooledServer>();
                }
                stack.Push(server);
                idleCount++;
                return;
            }
        }
        if (!taker.Grant(server))
        {
            // The waiter gave up at that very moment: the server goes back, attached here.
            server.Attached ??= LoopSocket.Attach(loop, server.Socket);
            Release(server, loop);
        }
    }

    /// <summary>A server that cannot be reused (or a reserved slot not used): closed, and its slot offered to a waiter.</summary>
    public void Discard(PooledServer? server)
    {
        server?.Close();
        while (true)
        {
            Waiter? taker;
            lock (gate)
            {
                if (waiters.First is not { } first)
                {
                    total--;
                    return;
                }
                waiters.RemoveFirst();
                taker = first.Value;
            }
            // The slot passes to the waiter, who connects a server of its own.
            if (taker.Grant(null))
            {
                return;
            }
        }
    }

    /// <summary>Closes the idle servers attached to <paramref name="loop"/> (at stop, on that loop).</summary>
    public void CloseIdle(EpollLoop loop)
    {
        lock (gate)
        {
            if (idle.TryGetValue(loop, out var stack))
            {
                while (stack.TryPop(out var server))
                {
                    server.Close();
                    idleCount--;
                    total--;
                }
            }
        }
    }

    /// <summary>The loops that hold idle servers now.</summary>
    public EpollLoop[] LoopsWithIdle()
    {
        lock (gate)
        {
            return [.. idle.Where(l => l.Value.Count > 0).Select(l => l.Key)];
        }
    }

    // On the donor loop: one of its idle servers, detached, to the first waiter.
    private void HandOver(EpollLoop donor)
    {
        Waiter taker;
        PooledServer server;
        lock (gate)
        {
            if (waiters.First is not { } first || !idle.TryGetValue(donor, out var stack) || !stack.TryPop(out server!))
            {
                return;
            }
            idleCount--;
            waiters.RemoveFirst();
            taker = first.Value;
        }
        server.Detach();
        if (!taker.Grant(server))
        {
            server.Attached = LoopSocket.Attach(donor, server.Socket);
            Release(server, donor);
        }
    }

    /// <summary>
    /// A client waiting for a server, resumed on its own loop: inline when the server is granted on
    /// that loop, posted to it otherwise; no thread-pool hop, no timer of its own (the pooler expires
    /// waiters by their deadline).
    /// </summary>
    private sealed class Waiter(EpollLoop loop, DateTimeOffset deadline) : IValueTaskSource<PooledServer?>
    {
        private ManualResetValueTaskSourceCore<PooledServer?> core;
        private int settled;

        public EpollLoop Loop { get; } = loop;

        public DateTimeOffset Deadline { get; } = deadline;

        public LinkedListNode<Waiter>? Node { get; set; }

        public ValueTask<PooledServer?> Task => new(this, core.Version);

        /// <summary>The server (or null: a slot to connect one); false when the waiter is gone already.</summary>
        public bool Grant(PooledServer? server)
        {
            if (Interlocked.Exchange(ref settled, 1) != 0)
            {
                return false;
            }
            if (Loop.IsCurrent)
            {
                core.SetResult(server);
            }
            else
            {
                Loop.Post(() => core.SetResult(server));
            }
            return true;
        }

        public void Fail(Exception error)
        {
            if (Interlocked.Exchange(ref settled, 1) == 0)
            {
                Loop.Post(() => core.SetException(error));
            }
        }

        public PooledServer? GetResult(short token) => core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            core.OnCompleted(continuation, state, token, flags & ~(ValueTaskSourceOnCompletedFlags.UseSchedulingContext | ValueTaskSourceOnCompletedFlags.FlowExecutionContext));
    }
}
