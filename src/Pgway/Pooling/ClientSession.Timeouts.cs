using Pgway.Protocol;

namespace Pgway.Pooling;

// PgBouncer's client timeouts, checked by the pooler's sweep (a tenth of a second) from its timer
// thread: the session records when things happened, the sweep compares, and an expiry is posted
// to the session's loop.
internal sealed partial class ClientSession
{
    private long startedTicks;
    private long lastClientTicks;
    private long queryStartTicks;
    // Set once by whichever thread first decides the session must end (the sweep, a kill, a drain),
    // so that only one ending is posted to the loop.
    private int expired;

    private void MarkStarted(DateTimeOffset now) => Volatile.Write(ref startedTicks, now.UtcTicks);

    // Called on the loop as the client's bytes arrive and are forwarded.
    private void MarkClientActivity()
    {
        var now = pooler.Time.GetUtcNow().UtcTicks;
        Volatile.Write(ref lastClientTicks, now);
        if (!status.Read().AwaitingAnswer && fromClient.Outstanding > 0)
        {
            Volatile.Write(ref queryStartTicks, now);
        }
        UpdateTimeoutState();
    }

    private void UpdateTimeoutState()
    {
        status.Note(awaitingAnswer: fromClient.Outstanding > 0, inTransaction: server is not null && fromServer.Status != TransactionStatus.Idle);
    }

    /// <summary>From the sweep: ends the session when one of its timeouts has passed.</summary>
    public void CheckTimeouts(DateTimeOffset now)
    {
        var settings = Settings;
        if (Expiry(now, settings) is { } why && Interlocked.Exchange(ref expired, 1) == 0)
        {
            loop.Post(() => _ = ExpireAsync(why.Reason, why.SqlState, why.Message));
        }
    }

    private (DisconnectReason Reason, string SqlState, string Message)? Expiry(DateTimeOffset now, Model.PoolerSettings settings)
    {
        var ticks = now.UtcTicks;
        var reading = status.Read();
        if (reading.State == ClientState.Ending)
        {
            // Ending already, for another reason.
            return null;
        }
        if (!reading.StartupRead)
        {
            // Before the start-up packet: the process's short start-up timeout, as well as the login one.
            var startup = pooler.Admission.Limits.StartupTimeout;
            if (startup > TimeSpan.Zero && ticks - Volatile.Read(ref startedTicks) > startup.Ticks)
            {
                return (DisconnectReason.StartupTimeout, SqlState.ProtocolViolation, $"no start-up packet within {startup.TotalSeconds:0.#}s of connecting");
            }
        }
        if (!reading.LoggedIn)
        {
            var login = settings.ClientLoginTimeout;
            return login > TimeSpan.Zero && ticks - Volatile.Read(ref startedTicks) > login.Ticks
                ? (DisconnectReason.ClientLoginTimeout, SqlState.ProtocolViolation, $"client_login_timeout ({login.TotalSeconds:0.#}s): the client did not log in in time")
                : null;
        }
        var idleFor = ticks - Volatile.Read(ref lastClientTicks);
        if (reading.AwaitingAnswer)
        {
            var query = settings.QueryTimeout;
            return query > TimeSpan.Zero && ticks - Volatile.Read(ref queryStartTicks) > query.Ticks
                ? (DisconnectReason.QueryTimeout, SqlState.QueryCanceled, $"query_timeout ({query.TotalSeconds:0.#}s): the query ran too long")
                : null;
        }
        if (reading.InTransaction)
        {
            var transaction = settings.IdleTransactionTimeout;
            return transaction > TimeSpan.Zero && idleFor > transaction.Ticks
                ? (DisconnectReason.IdleTransactionTimeout, SqlState.ProtocolViolation, $"idle_transaction_timeout ({transaction.TotalSeconds:0.#}s): the client stayed idle inside a transaction")
                : null;
        }
        var idle = settings.ClientIdleTimeout;
        return !reading.HoldsServer || mode == Model.PoolMode.Session
            ? idle > TimeSpan.Zero && idleFor > idle.Ticks
                ? (DisconnectReason.ClientIdleTimeout, SqlState.ProtocolViolation, $"client_idle_timeout ({idle.TotalSeconds:0.#}s): the client was idle too long")
                : null
            : null;
    }

    private async Task ExpireAsync(DisconnectReason why, string sqlState, string message)
    {
        if (Ended)
        {
            return;
        }
        End();
        reason ??= why;
        LogExpired(pooler.Logger, Id, message);
        if (waiting is { } place)
        {
            // Queued for a server: it leaves the queue, and is never granted one.
            pool!.CancelWait(place);
        }
        // Connecting a new one: given up (the connector gives the slot back).
        cancelConnecting?.Invoke();
        if (status.Read().AwaitingAnswer && held is { } running)
        {
            // A query past query_timeout is cancelled on the server, not left to run to its end.
            SendCancel(running);
        }
        await TellEndAndWakeAsync(why, sqlState, $"pgway: {message}");
    }

    // The end of a session pgway ends itself (an expiry, a kill, a drain), told the client, if its socket
    // takes it now, before the wake-up: a client's side waiting on the pump's answers (or its write) runs on
    // inline, sees the session ending, and may end it (server dropped, socket closed) before that call
    // returns. Whatever the telling met, every wait of the session learns it ends.
    private async Task TellEndAndWakeAsync(DisconnectReason why, string sqlState, string message)
    {
        var refusing = TryRefuseAsync(why, sqlState, message);
        try
        {
            answered.Complete();
            clientSendEnded.Complete();
            await refusing;
        }
        finally
        {
            client.CancelWaits();
            server?.CancelWaits();
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "pooler: session {Session} ended: {Reason}")]
    private static partial void LogExpired(Microsoft.Extensions.Logging.ILogger logger, long session, string reason);
}
