namespace Pgway.Pooling;

/// <summary>
/// The server connections of one (database, user), shared by every loop: at most
/// <see cref="Size"/> of them; a client that finds none idle and no room waits first come first served.
/// </summary>
internal sealed class ServerPool(string database, string user, int size)
{
    private readonly Lock gate = new();
    private readonly Stack<PooledServer> idle = new();
    private readonly LinkedList<TaskCompletionSource<PooledServer?>> waiters = new();
    private int total;

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
                return idle.Count;
            }
        }
    }

    public int Waiting
    {
        get
        {
            lock (gate)
            {
                return waiters.Count;
            }
        }
    }

    /// <summary>
    /// An idle server (checked by <paramref name="usable"/>), or null with a slot reserved for the
    /// caller to connect a new one; waits while the pool is full. The caller must give the slot back
    /// (<see cref="Release"/> or <see cref="Discard"/>) in every case.
    /// </summary>
    public async Task<PooledServer?> AcquireAsync(Func<PooledServer, bool> usable, TimeSpan wait, CancellationToken cancellationToken)
    {
        TaskCompletionSource<PooledServer?> waiter;
        LinkedListNode<TaskCompletionSource<PooledServer?>> node;
        lock (gate)
        {
            while (idle.TryPop(out var server))
            {
                if (usable(server))
                {
                    return server;
                }
                server.Close();
                total--;
            }
            if (total < Size)
            {
                total++;
                return null;
            }
            waiter = new TaskCompletionSource<PooledServer?>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = waiters.AddLast(waiter);
        }
        try
        {
            return wait > TimeSpan.Zero
                ? await waiter.Task.WaitAsync(wait, cancellationToken)
                : await waiter.Task.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            lock (gate)
            {
                if (node.List is not null)
                {
                    waiters.Remove(node);
                }
            }
            // Granted at the very moment of the timeout: not lost, handed on.
            if (waiter.Task.IsCompletedSuccessfully)
            {
                if (waiter.Task.Result is { } granted)
                {
                    Release(granted);
                }
                else
                {
                    Discard(null);
                }
            }
            throw;
        }
    }

    /// <summary>A server back from its client, clean: to the first waiter, else idle.</summary>
    public void Release(PooledServer server)
    {
        lock (gate)
        {
            while (waiters.First is { } first)
            {
                waiters.RemoveFirst();
                if (first.Value.TrySetResult(server))
                {
                    return;
                }
            }
            idle.Push(server);
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
                if (first.Value.TrySetResult(null))
                {
                    return;
                }
            }
            total--;
        }
    }

    /// <summary>Closes the idle servers (at stop).</summary>
    public void CloseIdle()
    {
        lock (gate)
        {
            while (idle.TryPop(out var server))
            {
                server.Close();
                total--;
            }
        }
    }
}
