using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Model;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

// The client's link to a server: borrowed from the pool (or opened) when the client needs one,
// released when its transaction is over (transaction and statement modes), reset and given back
// when the session ends (session mode), or closed when it cannot be reused.
internal sealed partial class ClientSession
{
    PoolWaiter IWaitingClient.Waiter => poolWaiter ??= new PoolWaiter();

    /// <summary>On the loop, by the pool, when this client has to wait for a server.</summary>
    void IWaitingClient.Waiting(PoolWaiter waiter)
    {
        waiting = waiter;
        StartWaiting();
    }

    // The borrow under way has to wait: a logged-in client shows as waiting (cl_waiting) until it ends.
    private void StartWaiting()
    {
        borrowWaited = true;
        if (State is not (ClientState.LoggingIn or ClientState.Ending))
        {
            MoveTo(ClientState.WaitingForServer);
        }
    }

    // The wait ended without a server.
    private ServerBorrow Cancelled()
    {
        if (State == ClientState.WaitingForServer)
        {
            MoveTo(ClientState.Idle);
        }
        return ServerBorrow.Cancelled;
    }

    // A server for the client, from the pool or new; Cancelled when the client cancelled its request while it waited.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ServerBorrow> BorrowServerAsync()
    {
        borrowWaited = false;
        var waitStart = Stopwatch.GetTimestamp();
        PoolAcquisition acquired;
        try
        {
            acquired = await pool!.AcquireAsync(loop, Settings.QueryWaitTimeout, this);
            await loop.SwitchTo();
        }
        finally
        {
            // Served, cancelled, expired or failed: no longer in the queue for a cancel request to end.
            waiting = null;
        }
        if (Ended && acquired.Outcome is AcquireOutcome.Server or AcquireOutcome.Slot)
        {
            // Given one as the session ended (timed out, or pgway stopping): it goes back unused.
            pool.Discard(acquired.Server);
            return ServerBorrow.Ended;
        }
        switch (acquired.Outcome)
        {
            case AcquireOutcome.Cancelled:
                return Ended ? ServerBorrow.Ended : Cancelled();
            case AcquireOutcome.TimedOut:
                End();
                await TryRefuseAsync(DisconnectReason.QueryWaitTimeout, SqlState.QueryCanceled,
                    $"pgway: no server connection within query_wait_timeout {Settings.QueryWaitTimeout.TotalSeconds:0.#}s ({pool.Describe()})");
                return ServerBorrow.Ended;
            case AcquireOutcome.LoginFailing:
                End();
                await TryRefuseAsync(DisconnectReason.ServerLoginFailed, SqlState.ConnectionFailure, acquired.LoginFailingMessage);
                return ServerBorrow.Ended;
        }
        counts.AddWait(Stopwatch.GetTimestamp() - waitStart);
        var borrowed = acquired.Server;
        if (borrowed is { Lease.IsRetired: true })
        {
            // Fenced or retired as it was handed over: closed, and the client asks again.
            pool.Discard(borrowed);
            return await BorrowServerAsync();
        }
        if (borrowed is null)
        {
            StartWaiting();
            using var cancel = new CancellationTokenSource();
            // Called from the loop, which may run it after the connect ended and the source is gone.
            cancelConnecting = () =>
            {
                try
                {
                    cancel.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // Connected (or failed) already: nothing left to cancel.
                }
            };
            try
            {
                // The connector gives the slot back if it fails or is cancelled.
                borrowed = await ServerConnector.ConnectAsync(pooler, pool, loop, cancel.Token);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                await loop.SwitchTo();
                return Ended ? ServerBorrow.Ended : Cancelled();
            }
            finally
            {
                cancelConnecting = null;
            }
            if (Ended)
            {
                // Killed or timed out while the server connected: told already, its request never runs.
                pool.Discard(borrowed);
                return ServerBorrow.Ended;
            }
        }
        // Held before attaching: if that fails, the session's end discards it.
        held = borrowed;
        // Idle on this loop it is attached already; from another loop it comes detached.
        server = borrowed.AttachTo(loop);
        OnServerLinked();
        fromServer.Reset();
        fromServer.ServerParameters = borrowed.Parameters;
        TrackStatementsOn(borrowed);
        try
        {
            if (parameterSet == 0)
            {
                parameterSet = pooler.ParameterSetId(parameters);
            }
            // A server last brought to this very set of parameters, unchanged since, needs nothing.
            if (parameterSet == 0 || borrowed.AppliedSet != parameterSet)
            {
                borrowed.AppliedSet = await ApplyParametersAsync(server, borrowed) ? parameterSet : 0;
            }
        }
        catch (Exception e) when (e is SocketException or EndOfStreamException or PostgresProtocolException)
        {
            // Died between its last check and now: the client is told, as for a server lost mid-transaction.
            DropServer();
            throw new ServerLoginException(SqlState.ConnectionFailure, $"pgway: the server connection was lost ({e.Message})", DisconnectReason.ServerLost);
        }
        if (greetedAsGiven && State != ClientState.LoggingIn)
        {
            // Before the pump is woken: the session's only writer to the client now.
            await TellCanonicalValuesAsync(borrowed);
        }
        if (serverPump is null)
        {
            serverPump = PumpServerAsync();
        }
        else
        {
            serverLent.Complete();
        }
        return ServerBorrow.Lent;
    }

    // A peer that closed its end reads as readable with nothing to read. Asked only after a wait,
    // not on every transaction: it costs a system call.
    private bool ClientHungUp()
    {
        try
        {
            return rawClient.Poll(0, SelectMode.SelectRead) && rawClient.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    // Each request the client sent while it waited gets PostgreSQL's answer to a cancelled query. A
    // request cut in the middle, or an extended-protocol batch without its Sync, cannot be answered
    // in step: the session ends instead, with the same error.
    private async Task AnswerCancelledAsync()
    {
        const string message = "canceling statement due to user request";
        if (!fromClient.AtMessageBoundary || fromClient.BatchOpen || fromClient.Outstanding == 0)
        {
            throw new ServerLoginException(SqlState.QueryCanceled, message, DisconnectReason.CancelledWhileWaiting);
        }
        var output = new ArrayBufferWriter<byte>();
        for (var i = 0; i < fromClient.Outstanding; i++)
        {
            ErrorResponseWriter.Write(output, ErrorSeverity.Error, SqlState.QueryCanceled, message);
            BackendMessages.ReadyForQuery(output, TransactionStatus.Idle);
        }
        fromClient.Outstanding = 0;
        requestStart = transactionStart = 0;
        UpdateTimeoutState();
        await SendOwnToClientAsync(output.WrittenMemory);
    }

    // Transaction mode: the server goes back once every request is answered and the last answer said idle.
    private void ReleaseIfIdle()
    {
        if (!ServerFreeToGo() || tracker is { SyncsMaybeAnswered: > 0 })
        {
            // Still the client's (or a Sync inside a failed COPY may still be answered: the pump asks).
            return;
        }
        // Not ours any more before the pump wakes up to look; it stays attached to this loop, idle.
        var attached = server!;
        server = null;
        NoteParameterChanges(held!);
        attached.WakeWaits();
        attached.ForgetConsumedReadable();
        var released = held!;
        held = null;
        OnServerUnlinked();
        if (KeptForItsClient(released) is { } why)
        {
            // What the client left there is its session's, not the next client's: the server closes.
            LogServerNotLent(pooler.Logger, Id, released.Lease, why);
            pool!.Discard(released);
            return;
        }
        pool!.Release(released, loop);
    }

    // Session state a client left on a server that another client must never see, and that no reset
    // between transactions removes: why the server is closed rather than lent, or null.
    private string? KeptForItsClient(PooledServer released)
    {
        if (fromServer.Listened)
        {
            return "a LISTEN ran on it (its notifications are its client's)";
        }
        const string authorization = "session_authorization";
        if (released.Parameters.GetValueOrDefault(authorization) != released.Login.Parameters.GetValueOrDefault(authorization))
        {
            return "its session authorization changed (SET SESSION AUTHORIZATION)";
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: session {Session}: the server on {Lease} is closed, not lent again: {Why}")]
    private static partial void LogServerNotLent(ILogger logger, long session, ServerLease lease, string why);

    // Transaction and statement modes: the server the client holds is done with it. Not when a
    // request is unanswered (pgway's own included), a transaction is open, the server skips to a Sync
    // it has not had, a cancel could still hit whatever runs there next, the client's Terminate went
    // to it (it is closing), it sent its FATAL (it is closing: read in the same read as its last
    // ReadyForQuery, it looks idle), a COPY FROM STDIN waits for the client's data (an
    // extended-protocol COPY leaves no Sync unanswered, as it reads it), or the answer is still on its
    // way to the client (the pump gives the server back once its write ends).
    private bool ServerFreeToGo() => mode != PoolMode.Session && ServerSettled()
        // The last ReadyForQuery is counted as it is read, before the pump's write of it ends: given back
        // then (after a lone Flush of the client's, say), the client's next request could wait for a
        // server, and pgway's answer to it (cancelled while waiting) go beside the write under way.
        && !clientSendUnderWay;

    // The server the client holds has nothing of the client's (or pgway's) unanswered and no
    // transaction open: in transaction modes it can go back; in any mode pgway may talk to it.
    private bool ServerSettled() => ServerSettledButForCancels() && held!.CancelsInFlight == 0;

    // As ServerSettled, a cancel sent for it may still be under way.
    private bool ServerSettledButForCancels() =>
        server is not null && State != ClientState.Sending && !talkingToServer
        && fromClient.Idle && fromServer.Idle && fromServer.Status == TransactionStatus.Idle
        && tracker is not ({ IgnoringUntilSync: true } or { Empty: false } or { CarryLength: > 0 })
        && !terminateForwarded && !fromClient.ServerCopyingIn && fromServer.FatalCode is null;

    // A SET the client made while it held the server: neither the server nor the client is at a
    // known set any more.
    private void NoteParameterChanges(PooledServer released)
    {
        if (fromServer.ParametersChanged)
        {
            fromServer.ParametersChanged = false;
            released.AppliedSet = 0;
            parameterSet = 0;
        }
    }

    private void DropServer()
    {
        var linked = server is not null;
        server = null;
        if (held is not null)
        {
            // Closing it ends any wait on it.
            pool!.Discard(held);
            held = null;
        }
        if (linked)
        {
            OnServerUnlinked();
        }
    }

    // Session mode: a server is clean for the next client after server_reset_query, if it was idle.
    private async Task<bool> ResetAsync(ILoopTransport attached)
    {
        if (!fromClient.Idle || !fromServer.Idle || fromServer.Status != TransactionStatus.Idle || fromClient.ServerCopyingIn)
        {
            return false;
        }
        if (string.IsNullOrWhiteSpace(Settings.ServerResetQuery))
        {
            return true;
        }
        var limit = ResetDeadline(Settings);
        var watch = limit > TimeSpan.Zero ? new ResetWatch(attached, loop) : null;
        using var expiry = watch is null ? null : new CancellationTokenSource(limit, pooler.Time);
        using var expired = expiry?.Token.UnsafeRegister(static state => ((ResetWatch)state!).Expire(), watch);
        try
        {
            var output = new ArrayBufferWriter<byte>();
            FrontendMessages.Query(output, Settings.ServerResetQuery);
            await attached.SendAsync(output.WrittenMemory);
            using var reader = new MessageStreamReader(new LoopStream(attached));
            while (true)
            {
                var (type, body) = await reader.ReadAsync(MessageHeader.LargeMessageLimit, CancellationToken.None);
                if (type == (byte)BackendMessageCode.ErrorResponse)
                {
                    return false;
                }
                if (type == (byte)BackendMessageCode.ReadyForQuery)
                {
                    // Answered, unless the deadline passed meanwhile: then the server is closed all the same.
                    if (body.Length != 1 || body.Span[0] != (byte)TransactionStatus.Idle || watch?.Finish() == false)
                    {
                        return false;
                    }
                    // server_reset_query (DISCARD ALL, RESET ALL) puts every setting back to its log-in value.
                    held!.ForgetParameters();
                    held.Unnamed.Owner = null;
                    return true;
                }
            }
        }
        catch (Exception e) when (e is SocketException or EndOfStreamException or PostgresProtocolException or OperationCanceledException)
        {
            if (watch?.Expired == true)
            {
                LogResetExpired(pooler.Logger, Id, limit.TotalSeconds);
            }
            return false;
        }
    }

    // PgBouncer's janitor closes a server whose reset query runs past server_idle_timeout (counted from
    // the query's send), or past server_lifetime; pgway gives the reset that long, and no limit when both are 0.
    internal static TimeSpan ResetDeadline(PoolerSettings settings) =>
        settings.ServerIdleTimeout > TimeSpan.Zero ? settings.ServerIdleTimeout : settings.ServerLifetime;

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: session {Session}: server_reset_query not answered within {Seconds}s; the server is closed")]
    private static partial void LogResetExpired(ILogger logger, long session, double seconds);
}
