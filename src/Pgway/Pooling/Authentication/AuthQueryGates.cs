namespace Pgway.Pooling.Authentication;

/// <summary>
/// How many auth_query look-ups run at once, per (database, auth user) — PgBouncer runs them on the
/// auth user's pool of that database — and how many may wait. Clients not yet authenticated must not
/// be able to open a server connection each, nor, by flooding one database with made-up names, stop
/// the look-ups of every other; a full queue refuses at once rather than holding the client.
/// </summary>
internal sealed class AuthQueryGates
{
    /// <summary>Look-ups under way at once per gate (each is one short server connection).</summary>
    public const int Running = 4;

    /// <summary>Look-ups waiting per gate; one more is refused with a clear error.</summary>
    public const int Waiting = 100;

    private readonly Lock sync = new();
    private readonly Dictionary<(string Database, string AuthUser), Gate> gates = [];

    /// <summary>Gates in use now (a gate nobody holds or waits for is dropped).</summary>
    public int Count
    {
        get
        {
            lock (sync)
            {
                return gates.Count;
            }
        }
    }

    /// <summary>Takes a place to run a look-up; false at once when <see cref="Waiting"/> look-ups already wait.</summary>
    /// <remarks>Every true must be matched by one <see cref="Leave"/>.</remarks>
    public async Task<bool> EnterAsync(string database, string authUser, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        LinkedListNode<TaskCompletionSource> place;
        Gate gate;
        lock (sync)
        {
            if (!gates.TryGetValue((database, authUser), out gate!))
            {
                gate = new Gate();
                gates[(database, authUser)] = gate;
            }
            if (gate.Running < Running)
            {
                gate.Running++;
                return true;
            }
            if (gate.Queue.Count >= Waiting)
            {
                return false;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            place = gate.Queue.AddLast(waiter);
        }
        await using var registration = cancellationToken.Register(() =>
        {
            lock (sync)
            {
                // Not granted yet: the place is given up; granted meanwhile: the caller has it.
                if (place.List is not null && waiter.TrySetCanceled(cancellationToken))
                {
                    gate.Queue.Remove(place);
                    DropIfUnused(database, authUser, gate);
                }
            }
        });
        await waiter.Task;
        return true;
    }

    /// <summary>Gives back a place taken by <see cref="EnterAsync"/>: the first waiter gets it.</summary>
    public void Leave(string database, string authUser)
    {
        lock (sync)
        {
            var gate = gates[(database, authUser)];
            if (gate.Queue.First is { } next)
            {
                gate.Queue.RemoveFirst();
                next.Value.TrySetResult();
                return;
            }
            gate.Running--;
            DropIfUnused(database, authUser, gate);
        }
    }

    // Under sync. Database names come from clients: gates must not outlive their use.
    private void DropIfUnused(string database, string authUser, Gate gate)
    {
        if (gate.Running == 0 && gate.Queue.Count == 0)
        {
            gates.Remove((database, authUser));
        }
    }

    private sealed class Gate
    {
        public int Running;
        public readonly LinkedList<TaskCompletionSource> Queue = new();
    }
}
