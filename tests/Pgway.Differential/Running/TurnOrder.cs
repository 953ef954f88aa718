namespace Pgway.Differential.Running;

/// <summary>
/// Keeps the clients' steps in the conversation's order: a step waits until every earlier step was
/// sent, but only so long (a client may be waiting for a server another client holds, and then the
/// order cannot be kept without a deadlock). A step that waits for the other clients' answers gives
/// up at once when the wait can never end by itself — clients waiting for each other in a cycle, or
/// for a client that cannot get a server because the waiters hold the pool — instead of after the
/// whole bound: the same decision on every path, taken without waiting out a timer.
/// </summary>
internal sealed class TurnOrder
{
    private readonly bool[] sent;
    private readonly bool[] answered;
    private readonly int[] clients;
    private readonly int[] waitingAt;
    private readonly bool[] reading;
    private readonly bool[] holding;
    private readonly TimeSpan patience;
    private readonly int? poolSize;
    private readonly Lock gate = new();
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int firstPending;

    /// <param name="poolSize">Servers the path lends its clients (transaction pooling), or null where every client has its own.</param>
    /// <param name="clientCount">Clients that connect, steps or not (a shrunk conversation may leave a client none).</param>
    public TurnOrder(IReadOnlyList<int> clientOfStep, TimeSpan patience, int? poolSize = null, int clientCount = 0)
    {
        clients = [.. clientOfStep];
        sent = new bool[clients.Length];
        answered = new bool[clients.Length];
        clientCount = Math.Max(clientCount, clients.Length == 0 ? 0 : clients.Max() + 1);
        waitingAt = Enumerable.Repeat(-1, clientCount).ToArray();
        reading = new bool[clientCount];
        holding = new bool[clientCount];
        this.patience = patience;
        this.poolSize = poolSize;
    }

    /// <summary>Waits (at most <paramref name="bound"/>) until every step before <paramref name="step"/> of the other clients has its answers.</summary>
    public async Task WaitForOthersAsync(int step, TimeSpan bound, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + bound;
        var client = clients[step];
        try
        {
            while (true)
            {
                Task signal;
                TaskCompletionSource? announce = null;
                bool goOn;
                lock (gate)
                {
                    if (!WaitsOnOthers(client, step))
                    {
                        return;
                    }
                    if (waitingAt[client] != step)
                    {
                        // The others may be waiting for this client: let them look again.
                        waitingAt[client] = step;
                        announce = Changed();
                    }
                    goOn = LeadsDeadlock(client) || WaitsOnPoolItHolds(client);
                    signal = changed.Task;
                }
                announce?.TrySetResult();
                if (goOn)
                {
                    return;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    return;
                }
                await Task.WhenAny(signal, Task.Delay(left, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            TaskCompletionSource old;
            lock (gate)
            {
                waitingAt[client] = -1;
                old = Changed();
            }
            old.TrySetResult();
        }
    }

    /// <summary>The client is reading for answers (true) or not (false); it holds a server while in a transaction block or with answers unread.</summary>
    public void Reading(int client, bool isReading, bool holdsServer)
    {
        TaskCompletionSource old;
        lock (gate)
        {
            reading[client] = isReading;
            holding[client] = holdsServer;
            old = Changed();
        }
        old.TrySetResult();
    }

    private bool WaitsOn(int client, int other) => WaitsOnStepsBefore(client, other, waitingAt[client]);

    private bool WaitsOnStepsBefore(int client, int other, int step)
    {
        for (var i = 0; i < step; i++)
        {
            if (clients[i] == other && other != client && !answered[i])
            {
                return true;
            }
        }
        return false;
    }

    private bool WaitsOnOthers(int client, int step)
    {
        for (var i = 0; i < step; i++)
        {
            if (clients[i] != client && !answered[i])
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Whether the client is on a cycle of clients each waiting for the next one's answers and has the
    /// latest step of that cycle: exactly one client of a cycle goes on, whichever arrived last.
    /// </summary>
    private bool LeadsDeadlock(int client)
    {
        var reach = Reachable(client);
        if (!reach.Contains(client))
        {
            return false;
        }
        foreach (var other in reach)
        {
            if (other != client && Reachable(other).Contains(client) && waitingAt[other] > waitingAt[client])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The waiting clients one can reach from <paramref name="client"/> by "waits for".</summary>
    private HashSet<int> Reachable(int client)
    {
        var found = new HashSet<int>();
        var todo = new Stack<int>([client]);
        while (todo.TryPop(out var from))
        {
            for (var other = 0; other < waitingAt.Length; other++)
            {
                if (waitingAt[other] >= 0 && WaitsOn(from, other) && found.Add(other))
                {
                    todo.Push(other);
                }
            }
        }
        return found;
    }

    /// <summary>
    /// Whether the client waits for one that is reading for answers it cannot get: every server of the
    /// pool is held by other clients (this one among them), none of them that one.
    /// </summary>
    private bool WaitsOnPoolItHolds(int client)
    {
        for (var other = 0; other < reading.Length; other++)
        {
            if (WaitsOn(client, other) && BlockedOnPoolHeldWith(other, client))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether every step before <paramref name="step"/> not yet sent is a client's that cannot send it before this client lets a server go.</summary>
    private bool UnsentAreBlockedOnPoolItHolds(int step)
    {
        var client = clients[step];
        for (var i = firstPending; i < step; i++)
        {
            if (!sent[i] && !BlockedOnPoolHeldWith(clients[i], client))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether <paramref name="client"/> waits for a server while every server is held, one by <paramref name="holder"/>.</summary>
    private bool BlockedOnPoolHeldWith(int client, int holder) =>
        poolSize is { } size && reading[client] && !holding[client] && holding[holder] && holding.Count(h => h) >= size;

    private TaskCompletionSource Changed()
    {
        var old = changed;
        changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return old;
    }

    /// <summary>Every step of <paramref name="client"/> up to <paramref name="step"/> has its answers (or never will).</summary>
    public void Answered(int client, int step)
    {
        TaskCompletionSource old;
        lock (gate)
        {
            for (var i = 0; i <= step && i < clients.Length; i++)
            {
                answered[i] |= clients[i] == client;
            }
            old = Changed();
        }
        old.TrySetResult();
    }

    public async Task WaitAsync(int step, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            Task signal;
            lock (gate)
            {
                if (firstPending >= step || UnsentAreBlockedOnPoolItHolds(step))
                {
                    return;
                }
                signal = changed.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return;
            }
            await Task.WhenAny(signal, Task.Delay(left, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public void Sent(int step)
    {
        TaskCompletionSource old;
        lock (gate)
        {
            sent[step] = true;
            while (firstPending < sent.Length && sent[firstPending])
            {
                firstPending++;
            }
            old = Changed();
        }
        old.TrySetResult();
    }
}
