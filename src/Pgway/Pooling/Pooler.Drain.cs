namespace Pgway.Pooling;

// SIGTERM: the port closes, every client finishes its transaction and is then told pgway is
// shutting down; the servers are closed when the pooler is disposed.
internal sealed partial class Pooler
{
    // Set once, when draining starts: each session reads it at its points between transactions,
    // so one that logs in meanwhile is told too.
    private volatile bool draining;

    /// <summary>Draining: each client ends at its next point between transactions.</summary>
    internal bool Draining => draining;

    /// <summary>Closes the port: no new client is accepted; the clients connected are left alone.</summary>
    public async Task StopAcceptingAsync()
    {
        await acceptStopping.CancelAsync();
        listener.Dispose();
        await accepting;
    }

    /// <summary>
    /// Closes the port, lets each client finish the transaction it is in and ends it with
    /// 57P01 "pgway is shutting down", waiting at most <paramref name="timeout"/>. True when no
    /// client is left; the rest end when the pooler is disposed.
    /// </summary>
    public async Task<bool> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await StopAcceptingAsync();
        draining = true;
        foreach (var session in sessions.Values)
        {
            session.Drain();
        }
        var deadline = Time.GetUtcNow() + timeout;
        while (!sessions.IsEmpty)
        {
            if (Time.GetUtcNow() >= deadline)
            {
                return false;
            }
            await Task.Delay(DrainPollInterval, Time, cancellationToken);
        }
        return true;
    }

    private static TimeSpan DrainPollInterval => TimeSpan.FromMilliseconds(20);
}
