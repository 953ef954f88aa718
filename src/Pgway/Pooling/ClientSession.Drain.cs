using Pgway.Protocol;

namespace Pgway.Pooling;

// pgway stopping gracefully: each client finishes the transaction it is in, then is told, between
// transactions, that pgway is shutting down (57P01, as PostgreSQL's own shutdown says it).
internal sealed partial class ClientSession
{
    private bool draining;

    /// <summary>From any thread: the session ends at its next point between transactions (at once if it is at one).</summary>
    public void Drain() => loop.Post(() =>
    {
        draining = true;
        if (DrainNow())
        {
            _ = ShutDownAsync();
        }
    });

    // On the loop: whether the session is draining and at a point where ending it loses nothing:
    // logged in (or a console), nothing of the client's unanswered, no transaction open on a server.
    private bool DrainNow() =>
        draining && !ended && loggedIn && waiting is null
        && (IsAdmin || (fromClient.Idle && (server is null || (fromServer.Idle && fromServer.Status == TransactionStatus.Idle))));

    private async Task ShutDownAsync()
    {
        if (Interlocked.Exchange(ref expired, 1) != 0)
        {
            return;
        }
        ended = true;
        await TryRefuseAsync(DisconnectReason.Shutdown, SqlState.AdminShutdown, "pgway is shutting down");
        client.CancelWaits();
        server?.CancelWaits();
    }
}
