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
            waiter = new Waiter(loop);
            waiter.Node = waiters.AddLast(waiter);
            // Idle on another loop while this one waits: that loop hands one over.
            donor = idle.FirstOrDefault(l => l.Value.Count > 0).Key;
        }
        if (donor is not null)
        {
            donor.Post(() => HandOver(donor));
        }
        try
        {
            return wait > TimeSpan.Zero
                ? await waiter.Slot.Task.WaitAsync(wait, cancellationToken)
                : await waiter.Slot.Task.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            lock (gate)
            {
                if (waiter.Node!.List is not null)
                {
                    waiters.Remove(waiter.Node);
                }
            }
            // Granted at the very moment of the timeout: not lost, passed on.
            if (waiter.Slot.Task.IsCompletedSuccessfully)
            {
                var granted = waiter.Slot.Task.Result;
                loop.Post(() =>
                {
                    if (granted is null)
                    {
                        Discard(null);
                    }
                    else
                    {
                        granted.Attached ??= LoopSocket.Attach(loop, granted.Socket);
                        Release(granted, loop);
                    }
                });
            }
            throw;
        }
    }

    /// <summary>On <paramref name="loop"/>: a server back from its client, clean. A waiter on the same loop takes it as it is; one on another loop gets it detached; else it waits here, attached.</summary>
    public void Release(PooledServer server, EpollLoop loop)
    {
        lock (gate)
        {
            for (var node = waiters.First; node is not null; node = node.Next)
            {
                if (node.Value.Loop == loop)
                {
                    waiters.Remove(node);
                    if (node.Value.Slot.TrySetResult(server))
                    {
                        return;
                    }
                }
            }
            if (waiters.First is { } other)
            {
                waiters.RemoveFirst();
                server.Detach();
                if (other.Value.Slot.TrySetResult(server))
                {
                    return;
                }
                server.Attached = LoopSocket.Attach(loop, server.Socket);
            }
            if (!idle.TryGetValue(loop, out var stack))
            {
                idle[loop] = stack = new Stack<PooledServer>();
            }
            stack.Push(server);
            idleCount++;
        }
    }

    /// <summary>A server that cannot be reused (or a reserved slot not used): closed, and its slot offered to a waiter.</summary>
    public void Discard(PooledServer? server)
    {
        server?.Close();
        lock (gate)
        {
            while (waiters.First is { } first)
            {
                waiters.RemoveFirst();
                // The slot passes to the waiter, who connects a server of its own.
                if (first.Value.Slot.TrySetResult(null))
                {
                    return;
                }
            }
            total--;
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
        lock (gate)
        {
            if (waiters.First is not { } first || !idle.TryGetValue(donor, out var stack) || !stack.TryPop(out var server))
            {
                return;
            }
            idleCount--;
            waiters.RemoveFirst();
            server.Detach();
            if (!first.Value.Slot.TrySetResult(server))
            {
                server.Attached = LoopSocket.Attach(donor, server.Socket);
                stack.Push(server);
                idleCount++;
            }
        }
    }

    private sealed class Waiter(EpollLoop loop)
    {
        public EpollLoop Loop { get; } = loop;

        /// <summary>The server granted (attached to the waiter's loop, or detached for it), or null: a slot to connect one.</summary>
        public TaskCompletionSource<PooledServer?> Slot { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }
}
