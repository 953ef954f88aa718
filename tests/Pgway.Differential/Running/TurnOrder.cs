namespace Pgway.Differential.Running;

/// <summary>
/// Keeps the clients' steps in the conversation's order: a step waits until every earlier step was
/// sent, but only so long (a client may be waiting for a server another client holds, and then the
/// order cannot be kept without a deadlock).
/// </summary>
internal sealed class TurnOrder
{
    private readonly bool[] sent;
    private readonly TimeSpan patience;
    private readonly Lock gate = new();
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int firstPending;

    public TurnOrder(int steps, TimeSpan patience)
    {
        sent = new bool[steps];
        this.patience = patience;
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
