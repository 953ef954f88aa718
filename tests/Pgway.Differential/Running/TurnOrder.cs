namespace Pgway.Differential.Running;

/// <summary>
/// Keeps the clients' steps in the conversation's order: a step waits until every earlier step was
/// sent, but only so long (a client may be waiting for a server another client holds, and then the
/// order cannot be kept without a deadlock).
/// </summary>
internal sealed class TurnOrder
{
    private readonly bool[] sent;
    private readonly bool[] answered;
    private readonly int[] clients;
    private readonly TimeSpan patience;
    private readonly Lock gate = new();
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int firstPending;

    public TurnOrder(IReadOnlyList<int> clientOfStep, TimeSpan patience)
    {
        clients = [.. clientOfStep];
        sent = new bool[clients.Length];
        answered = new bool[clients.Length];
        this.patience = patience;
    }

    /// <summary>Waits (at most <paramref name="bound"/>) until every step before <paramref name="step"/> of the other clients has its answers.</summary>
    public async Task WaitForOthersAsync(int step, TimeSpan bound, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            Task signal;
            lock (gate)
            {
                var waiting = false;
                for (var i = 0; i < step && !waiting; i++)
                {
                    waiting = clients[i] != clients[step] && !answered[i];
                }
                if (!waiting)
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
            old = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
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
                if (firstPending >= step)
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
            old = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        old.TrySetResult();
    }
}
