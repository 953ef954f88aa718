using Pgway.Protocol;

namespace Pgway.Pooling;

// pgway stopping gracefully: each client finishes the transaction it is in, then is told, between
// transactions, that pgway is shutting down (57P01, as PostgreSQL's own shutdown says it).
internal sealed partial class ClientSession
{
    /// <summary>From any thread, once the pooler drains: the session ends at its next point between transactions (at once if it is at one).</summary>
    public void Drain() => loop.Post(() =>
    {
        if (DrainNow())
        {
            _ = ShutDownAsync();
        }
    });

    // On the loop: whether the pooler drains and the session is at a point where ending it loses
    // nothing: logged in (or a console), not queued for a server, nothing of the client's
    // unanswered, no transaction open on a server, and no answer on its way to the client (its last
    // ReadyForQuery is counted as it is read, before the pump's write of it ends; a RESET's waits while
    // pgway puts the start-up values back).
    private bool DrainNow() =>
        pooler.Draining && State is not (ClientState.Connecting or ClientState.LoggingIn or ClientState.Ending) && waiting is null
        && !clientSendUnderWay && !talkingToServer
        && (IsAdmin || (fromClient.Idle && (server is null || (fromServer.Idle && fromServer.Status == TransactionStatus.Idle))));

    private async Task ShutDownAsync()
    {
        if (Interlocked.Exchange(ref expired, 1) != 0)
        {
            return;
        }
        End();
        reason ??= DisconnectReason.Shutdown;
        await TellEndAndWakeAsync(DisconnectReason.Shutdown, SqlState.AdminShutdown, "pgway is shutting down");
    }
}
