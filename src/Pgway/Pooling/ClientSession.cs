using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Model;
using Pgway.Pooling.PreparedStatements;
using Pgway.Protocol;
using Pgway.Routing.Epoll;

namespace Pgway.Pooling;

/// <summary>
/// One client of the pooler, as a coroutine on one epoll loop: it logs the client in, then forwards
/// its messages to a server connection borrowed from the pool, and the server's answers back. In
/// transaction mode the server goes back to the pool when a ReadyForQuery says idle and nothing the
/// client sent is still unanswered; in session mode when the client leaves (after
/// <c>server_reset_query</c>). Everything here runs on the loop's thread, so it needs no locks.
/// </summary>
internal sealed partial class ClientSession : IWaitingClient
{
    private readonly Pooler pooler;
    private readonly EpollLoop loop;
    private readonly Socket rawClient;
    private readonly ClientTraffic fromClient;
    private readonly ServerTraffic fromServer;

    // The client's session parameters: from its start-up packet, then as its SETs are reported.
    private readonly Dictionary<string, string> parameters = new(StringComparer.OrdinalIgnoreCase);
    // The values it gave at start-up (in the server's form once known): what RESET returns to.
    private readonly Dictionary<string, string> startupValues = new(StringComparer.OrdinalIgnoreCase);
    // Greeted with start-up values as given, their server form not known yet.
    private bool greetedAsGiven;
    private ILoopTransport client = null!;
    private ServerPool? pool;
    private PooledServer? held;
    private ILoopTransport? server;
    private Task? serverPump;
    // Completed when a server is lent to the client, for the pump waiting between transactions.
    private readonly LoopWaiter serverLent = new();
    // Completed by the pump after each answer it passes on, for a client finishing before its Terminate.
    private readonly LoopWaiter answered = new();
    // The server's own FATAL went to the client: it is closing the connection, and the client knows why.
    private bool serverSaidFatal;
    private PoolMode mode;
    private bool sendingToServer;
    private bool ended;
    private DisconnectReason? reason;
    private (int ProcessId, int Key)? cancelKey;
    private PoolWaiter? waiting;
    // Made at the first wait for a server, and reused for every wait after it.
    private PoolWaiter? poolWaiter;
    // Set while a new server is opened for the client (a dest: pool service may wait for a member):
    // a cancel request or pgway stopping ends that wait as it ends a wait in the queue.
    private Action? cancelConnecting;
    // The last borrow was not immediate: the client may have given up and gone meanwhile.
    private bool waitedForServer;
    // The pooler's number for this client's parameter set; 0 until computed, or after it changed.
    private int parameterSet;
    // Transaction and statement modes with max_prepared_statements: the client's statement names
    // mapped on whichever server it holds; made at its first transaction (an idle client has none).
    private RequestRewriter? rewriter;
    private ResponseTracker? tracker;
    private RentedBuffer? toServer;
    private RentedBuffer? toClient;

    // The client's place in the process's bound on clients, its start-up slot given back once its start-up packet is in.
    private readonly Routing.ClientTicket ticket;

    // The pooler's TLS when the client connected: a reload meanwhile applies to the next client, never halfway through a handshake.
    private readonly Tls.PoolerTls tls;

    public ClientSession(Pooler pooler, long id, EpollLoop loop, Socket client, Routing.ClientTicket ticket)
    {
        this.pooler = pooler;
        this.ticket = ticket;
        tls = pooler.Tls;
        Id = id;
        this.loop = loop;
        rawClient = client;
        fromClient = new ClientTraffic();
        fromServer = new ServerTraffic(fromClient, parameters) { ReadyForQuery = CountAnswered };
        // Set before the session is visible to the timeout sweep, which would otherwise see a
        // client connected since the epoch and expire its log-in at once.
        MarkStarted(pooler.Time.GetUtcNow());
    }

    public long Id { get; }

    private PoolerSettings Settings => pooler.Options.Settings;

    public async Task RunAsync()
    {
        // Counted against max_client_conn at accept.
        var counted = true;
        try
        {
            client = LoopSocket.Attach(loop, rawClient);
            var startup = await ReadStartupAsync();
            ticket.FinishStartup();
            startupRead = true;
            if (startup is null)
            {
                reason ??= DisconnectReason.CancelRequest;
                return;
            }
            if (!await RequireTlsAsync() || !await LogInAsync(startup))
            {
                return;
            }
            loggedIn = true;
            pool?.AddClient();
            if (Settings.LogConnections && pooler.Logger.IsEnabled(LogLevel.Information))
            {
                var remote = RemoteOf(rawClient)?.ToString() ?? "?";
                var modeName = mode.ToString().ToLowerInvariant();
                LogConnected(pooler.Logger, Id, user, database, remote, modeName);
            }
            MarkClientActivity();
            if (DrainNow())
            {
                // Logged in while pgway drains: told at once rather than served.
                await ShutDownAsync();
                return;
            }
            await (IsAdmin ? ServeAdminAsync() : ServeAsync());
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or EndOfStreamException)
        {
            // The client went away, or pgway is stopping.
        }
        catch (PostgresProtocolException e)
        {
            await TryRefuseAsync(DisconnectReason.ProtocolViolation, SqlState.ProtocolViolation, e.Message);
        }
        catch (ServerLoginException e)
        {
            await TryRefuseAsync(e.Reason, e.SqlState, e.Message);
        }
        catch (Exception e)
        {
            reason ??= DisconnectReason.InternalError;
            LogSessionFailed(pooler.Logger, Id, e);
        }
        finally
        {
            await EndAsync(counted);
        }
    }

    /// <summary>Ends the session from another thread (pgway stopping).</summary>
    public void Stop() => loop.Post(() =>
    {
        reason ??= DisconnectReason.Shutdown;
        ended = true;
        if (waiting is { } place)
        {
            pool!.CancelWait(place);
        }
        cancelConnecting?.Invoke();
        client?.CancelWaits();
        server?.CancelWaits();
    });

    // The client's messages, forwarded as they come; a server is borrowed when one is needed.
    private async Task ServeAsync()
    {
        fromClient.StopAfterReset = startupValues.Count > 0;
        while (!ended)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(Routing.Splice.BufferSize);
            try
            {
                int read;
                if (TakeLeftover(buffer) is var leftover and > 0)
                {
                    read = leftover;
                }
                else
                {
                    read = client.TryReceive(buffer);
                    if (read < 0)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = null;
                        // Zero-byte wait: an idle client holds no buffer.
                        await client.WaitReadableAsync();
                        continue;
                    }
                }
                if (read == 0)
                {
                    return;
                }
                if (fromClient.Scan(buffer.AsSpan(0, read)) is { } error)
                {
                    throw new PostgresProtocolException(error);
                }
                if (fromClient.Scanned < read)
                {
                    // A RESET or DISCARD ends there: the rest waits for its answer and the start-up values.
                    HoldBack(buffer.AsSpan(fromClient.Scanned, read - fromClient.Scanned));
                    read = fromClient.Scanned;
                }
                var chunk = buffer.AsMemory(0, read);
                MarkClientActivity();
                if (fromClient.Terminated)
                {
                    // What came before the Terminate is the client's last word: run, as PostgreSQL
                    // runs it, and answered (to a client that may not listen) before the session ends.
                    await FinishBeforeTerminateAsync(chunk);
                    return;
                }
                CountSent(read);
                if (server is null && transactionLostTo is not null)
                {
                    await AnswerTransactionLostAsync();
                    continue;
                }
                if (server is null && !await BorrowServerAsync())
                {
                    if (ended)
                    {
                        // Refused, timed out or stopped while waiting: the client has been told, if it could be.
                        return;
                    }
                    // Cancelled while waiting: what the client sent is never run.
                    await AnswerCancelledAsync();
                    continue;
                }
                if (waitedForServer && ClientHungUp())
                {
                    // Gone while it waited (a client's own timeout): what it sent is never run.
                    return;
                }
                NoteStatementWords();
                while (restoringSettings && !ended)
                {
                    // pgway is putting the client's start-up values back on the server: its turn next.
                    await answered.Start();
                }
                sendingToServer = true;
                try
                {
                    await SendToServerAsync(chunk);
                }
                finally
                {
                    sendingToServer = false;
                }
                ReleaseIfIdle();
                await WaitForResetAsync();
            }
            finally
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    // The server's answers to the client, from whichever server the client holds; gives the server
    // back when the transaction is over. One pump for the whole session: between transactions it
    // waits for the next server lent (no task, and no buffer, per transaction).
    private async Task PumpServerAsync()
    {
        byte[]? buffer = null;
        try
        {
            while (!ended)
            {
                if (server is not { } from)
                {
                    ReturnBuffer(ref buffer);
                    await serverLent.Start();
                    continue;
                }
                buffer ??= ArrayPool<byte>.Shared.Rent(Routing.Splice.BufferSize);
                try
                {
                    if (tracker is { FakesReady: true })
                    {
                        // Completions pgway answers itself, with nothing of the server's before them.
                        await SendFakesAsync();
                        continue;
                    }
                    var carried = tracker?.CarryLength ?? 0;
                    var read = from.TryReceive(buffer.AsSpan(carried));
                    if (read < 0)
                    {
                        // Woken also when the server is given back (detached): the pump looks again then.
                        await from.WaitReadableAsync();
                        continue;
                    }
                    if (read == 0)
                    {
                        throw new SocketException((int)SocketError.ConnectionReset);
                    }
                    if (fromServer.Scan(buffer.AsSpan(carried, read)) is { } error)
                    {
                        throw new PostgresProtocolException($"the server: {error}");
                    }
                    if (fromServer.OutOfStep)
                    {
                        await EndOutOfStepAsync();
                        return;
                    }
                    if (fromServer.FatalAt >= 0 && pooler.Options.Target is not null && mode != PoolMode.Session)
                    {
                        // A pool service's server ending its connection (shut down, terminated): what came
                        // before its FATAL is the client's, the FATAL is not, so the client loses its
                        // transaction, not its session.
                        if (fromServer.FatalAt > 0 && tracker is null)
                        {
                            await SendToClientAsync(buffer.AsMemory(0, fromServer.FatalAt));
                        }
                        else if (fromServer.FatalAt > 0)
                        {
                            tracker!.TakeCarry(buffer);
                            await SendFilteredAsync(buffer, carried + fromServer.FatalAt);
                        }
                        throw new SocketException((int)SocketError.ConnectionReset);
                    }
                    if (fromServer.FatalAt >= 0)
                    {
                        // Passed on below: the client has its error, and needs no second one when the server closes.
                        serverSaidFatal = true;
                    }
                    if (mode == PoolMode.Statement && fromServer.Status != TransactionStatus.Idle)
                    {
                        // What the client began cannot be kept on one server: it is told, and the server,
                        // inside the transaction, is closed rather than reused.
                        ended = true;
                        await TryRefuseAsync(DisconnectReason.TransactionInStatementMode, SqlState.FeatureNotSupported,
                            "pgway: transaction blocks not allowed in statement pooling mode");
                        DropServer();
                        client.CancelWaits();
                        return;
                    }
                    RestoredSettings? statuses = null;
                    if (fromServer.SettingsReset.Any && fromClient.Outstanding == 0 && !fromClient.BatchOpen && fromServer.Idle && !sendingToServer)
                    {
                        statuses = await RestoreStartupValuesAsync(from);
                        if (statuses is not null && !fromServer.ScanBeganAtBoundary)
                        {
                            // The server's own reports cannot be picked out of this read: they stay before ours.
                            statuses = statuses with { ReplaceReports = false };
                        }
                    }
                    if (tracker is null)
                    {
                        await SendToClientAsync(statuses is null ? buffer.AsMemory(0, read) : WithStatuses(buffer.AsMemory(0, read), statuses));
                    }
                    else
                    {
                        tracker.TakeCarry(buffer);
                        await SendFilteredAsync(buffer, carried + read, statuses);
                    }
                    counts.AddSent(read);
                    ReleaseIfIdle();
                    UpdateTimeoutState();
                    answered.Complete();
                    if (DrainNow())
                    {
                        // The transaction's last answer is the client's: now it learns pgway is stopping.
                        await ShutDownAsync();
                        return;
                    }
                }
                catch (Exception e) when (e is SocketException or PostgresProtocolException or ObjectDisposedException or OperationCanceledException)
                {
                    if (server != from || ended)
                    {
                        // About a server no longer the client's, or the session is ending anyway.
                        continue;
                    }
                    if (e is OperationCanceledException)
                    {
                        throw;
                    }
                    var fenced = held?.Lease is { IsFenced: true } lease ? lease : null;
                    // Whatever waits on this server's answers learns it is gone.
                    answered.Complete();
                    if ((fenced is not null || pooler.Options.Target is not null) && await TryRecoverAsync())
                    {
                        // Only the transaction was lost: the session goes on, with a server elsewhere.
                        continue;
                    }
                    // The server died under the client: the client learns it and the session ends.
                    LogServerLost(pooler.Logger, Id, e.Message);
                    ended = true;
                    if (serverSaidFatal)
                    {
                        // Its own FATAL, passed on, said why, as PostgreSQL's client would see it.
                        reason ??= DisconnectReason.ServerLost;
                        DropServer();
                        client.CancelWaits();
                        return;
                    }
                    await TryRefuseAsync(DisconnectReason.ServerLost, SqlState.ConnectionFailure,
                        fenced is null ? "pgway: the server connection was lost (server closed the connection unexpectedly)" : FencedMessage(fenced));
                    DropServer();
                    client.CancelWaits();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The session is ending.
        }
        finally
        {
            ReturnBuffer(ref buffer);
            answered.Complete();
        }
    }

    private static void ReturnBuffer(ref byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }
    }

    PoolWaiter IWaitingClient.Waiter => poolWaiter ??= new PoolWaiter();

    /// <summary>On the loop, by the pool, when this client has to wait for a server.</summary>
    void IWaitingClient.Waiting(PoolWaiter waiter)
    {
        waiting = waiter;
        waitedForServer = true;
    }

    // False when no server came: the client cancelled its request while it waited, or the session
    // ended (timed out, refused, pgway stopping; then `ended` is set).
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> BorrowServerAsync()
    {
        waitedForServer = false;
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
        if (ended && acquired.Outcome is AcquireOutcome.Server or AcquireOutcome.Slot)
        {
            // Given one as the session ended (timed out, or pgway stopping): it goes back unused.
            pool.Discard(acquired.Server);
            return false;
        }
        switch (acquired.Outcome)
        {
            case AcquireOutcome.Cancelled:
                return false;
            case AcquireOutcome.TimedOut:
                ended = true;
                await TryRefuseAsync(DisconnectReason.QueryWaitTimeout, SqlState.QueryCanceled,
                    $"pgway: no server connection within query_wait_timeout {Settings.QueryWaitTimeout.TotalSeconds:0.#}s ({pool.Describe()})");
                return false;
            case AcquireOutcome.LoginFailing:
                ended = true;
                await TryRefuseAsync(DisconnectReason.ServerLoginFailed, SqlState.ConnectionFailure, acquired.LoginFailingMessage);
                return false;
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
            waitedForServer = true;
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
                return false;
            }
            finally
            {
                cancelConnecting = null;
            }
        }
        // Held before attaching: if that fails, the session's end discards it.
        held = borrowed;
        // Idle on this loop it is attached already; from another loop it comes detached.
        server = borrowed.AttachTo(loop);
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
        if (greetedAsGiven && loggedIn)
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
        return true;
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
        await client.SendAsync(output.WrittenMemory);
    }

    // Transaction mode: the server goes back once every request is answered and the last answer said idle.
    private void ReleaseIfIdle()
    {
        if (mode == PoolMode.Session || server is null || sendingToServer
            || !fromClient.Idle || !fromServer.Idle || fromServer.Status != TransactionStatus.Idle
            || tracker is { IgnoringUntilSync: true } || held!.CancelsInFlight > 0)
        {
            // Still the client's: a request unanswered, a transaction open, the server skipping to a
            // Sync it has not had, or a cancel that could still hit whatever runs there next.
            return;
        }
        // Not ours any more before the pump wakes up to look; it stays attached to this loop, idle.
        var attached = server;
        server = null;
        NoteParameterChanges(held!);
        attached.WakeWaits();
        attached.ForgetConsumedReadable();
        var released = held!;
        held = null;
        pool!.Release(released, loop);
    }

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
        server = null;
        if (held is not null)
        {
            // Closing it ends any wait on it.
            pool!.Discard(held);
            held = null;
        }
    }

    private async Task EndAsync(bool counted)
    {
        ended = true;
        var attached = server;
        server = null;
        attached?.CancelWaits();
        // The pump ends: whatever it waits for (the server, the client, a server lent) is cancelled.
        client?.CancelWaits();
        serverLent.Fail(new OperationCanceledException("the session is ending"));
        if (serverPump is not null)
        {
            await serverPump;
        }
        if (attached is not null)
        {
            server = attached;
            NoteParameterChanges(held!);
            if (mode != PoolMode.Session && held!.CancelsInFlight > 0 && fromClient.Idle && fromServer.Idle
                && fromServer.Status == TransactionStatus.Idle && tracker is not { IgnoringUntilSync: true })
            {
                // Clean, but a cancel sent for it is still under way: back to the pool once it is done.
                held.ReleaseAfterCancels = true;
                server = null;
                held = null;
            }
            else if (mode == PoolMode.Session && held!.CancelsInFlight == 0 && await ResetAsync(attached))
            {
                server = null;
                pool!.Release(held!, loop);
                held = null;
            }
            else
            {
                DropServer();
            }
        }
        // Closes still owed give their references back, as the names do.
        tracker?.Reset(null);
        rewriter?.Dispose();
        if (cancelKey is { } key)
        {
            pooler.ForgetCancelKey(key);
        }
        if (counted)
        {
            pooler.RemoveClient();
        }
        ticket.Dispose();
        if (loggedIn)
        {
            pool?.RemoveClient();
        }
        // The pool may go once no session holds it (an automatic one, after autodb_idle_timeout).
        pool?.Leave();
        var why = reason ?? DisconnectReason.ClientClose;
        pooler.CountDisconnect(why);
        if (why != DisconnectReason.CancelRequest && Settings.LogDisconnections && pooler.Logger.IsEnabled(LogLevel.Information))
        {
            var remote = RemoteOf(rawClient)?.ToString() ?? "?";
            var label = DisconnectReasons.Label(why);
            var seconds = (pooler.Time.GetUtcNow().UtcTicks - Volatile.Read(ref startedTicks)) / (double)TimeSpan.TicksPerSecond;
            LogDisconnected(pooler.Logger, Id, user, database, remote, label, seconds);
        }
        client?.Dispose();
    }

    // Session mode: a server is clean for the next client after server_reset_query, if it was idle.
    private async Task<bool> ResetAsync(ILoopTransport attached)
    {
        if (!fromClient.Idle || !fromServer.Idle || fromServer.Status != TransactionStatus.Idle)
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

    private async Task RefuseAsync(DisconnectReason why, string sqlState, string message)
    {
        reason ??= why;
        var output = new ArrayBufferWriter<byte>();
        ErrorResponseWriter.Write(output, ErrorSeverity.Fatal, sqlState, message);
        await client.SendAsync(output.WrittenMemory);
        LogRefused(pooler.Logger, Id, sqlState, message);
    }

    private async Task TryRefuseAsync(DisconnectReason why, string sqlState, string message)
    {
        try
        {
            await RefuseAsync(why, sqlState, message);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone already.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "pooler: session {Session} failed")]
    private static partial void LogSessionFailed(ILogger logger, long session, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: client {Session} {User}@{Database} from {Remote} logged in ({Mode} pooling)")]
    private static partial void LogConnected(ILogger logger, long session, string user, string database, string remote, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: client {Session} {User}@{Database} from {Remote} disconnected: {Reason} after {Seconds:0.###}s")]
    private static partial void LogDisconnected(ILogger logger, long session, string user, string database, string remote, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: session {Session}: server_reset_query not answered within {Seconds}s; the server is closed")]
    private static partial void LogResetExpired(ILogger logger, long session, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: session {Session} lost its server: {Error}")]
    private static partial void LogServerLost(ILogger logger, long session, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: session {Session} refused: {SqlState} {Message}")]
    private static partial void LogRefused(ILogger logger, long session, string sqlState, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: session {Session}: the server refused the client's parameter {Name}: {Error}")]
    private static partial void LogParameterRefused(ILogger logger, long session, string name, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: session {Session}: forwarding a cancel request failed: {Error}")]
    private static partial void LogCancelFailed(ILogger logger, long session, string error);

    private static IPEndPoint? RemoteOf(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint as IPEndPoint;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
