using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Model;
using Pgway.Pooling.PreparedStatements;
using Pgway.Protocol;
using Pgway.Transport;

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
    // What ended the pump other than the session's end: its server is closed, never lent.
    private Exception? pumpFailure;
    // Completed when a server is lent to the client, for the pump waiting between transactions.
    private readonly LoopWaiter serverLent = new();
    // Completed by the pump after each answer it passes on, for a client finishing before its Terminate.
    private readonly LoopWaiter answered = new();
    // The server's own FATAL went to the client: it is closing the connection, and the client knows why.
    private bool serverSaidFatal;
    private PoolMode mode;
    // Counted among its pool's clients (logged in to a pool): taken off when the session ends.
    private bool inPool;
    private DisconnectReason? reason;
    private CancelKey? cancelKey;
    private PoolWaiter? waiting;
    // Made at the first wait for a server, and reused for every wait after it.
    private PoolWaiter? poolWaiter;
    // Set while a new server is opened for the client (a dest: pool service may wait for a member):
    // a cancel request or pgway stopping ends that wait as it ends a wait in the queue.
    private Action? cancelConnecting;
    // The last borrow had to wait (in the queue, or for a new server): the client may have given up meanwhile.
    private bool borrowWaited;
    // The pooler's number for this client's parameter set; 0 until computed, or after it changed.
    private int parameterSet;
    // Transaction and statement modes with max_prepared_statements: the client's statement names
    // mapped on whichever server it holds; made at its first transaction (an idle client has none).
    private RequestRewriter? rewriter;
    private ResponseTracker? tracker;
    private RentedBuffer? toServer;
    private RentedBuffer? toClient;

    // The client's place in the process's bound on clients, its start-up slot given back once its start-up packet is in.
    private readonly Transport.ClientTicket ticket;

    // The pooler's TLS when the client connected: a reload meanwhile applies to the next client, never halfway through a handshake.
    private readonly Tls.PoolerTls tls;

    public ClientSession(Pooler pooler, long id, EpollLoop loop, Socket client, Transport.ClientTicket ticket)
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
            if (startup is null)
            {
                reason ??= DisconnectReason.CancelRequest;
                return;
            }
            if (!Advance(ClientState.LoggingIn) || !await RequireTlsAsync() || !await LogInAsync(startup))
            {
                return;
            }
            if (!Advance(IsAdmin ? ClientState.Console : server is null ? ClientState.Idle : ClientState.Active))
            {
                return;
            }
            if (pool is not null)
            {
                pool.AddClient();
                inPool = true;
            }
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
            await (IsAdmin ? new ConsoleSession(pooler, loop, this, adminAccess!.Value).ServeAsync() : ServeAsync());
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
            // A session pgway cannot go on with ends with a word to the client, not a bare close.
            await TellInternalErrorAsync();
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
        End();
        // A wait on the pump's answers (or for its write to end) looks again, and sees the session ending.
        answered.Complete();
        clientSendEnded.Complete();
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
        while (!Ended)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(Transport.Splice.BufferSize);
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
                while (talkingToServer && !Ended)
                {
                    // pgway is talking to the server on its own (start-up values, a failed COPY's Syncs): the
                    // client's turn next (on that server, or, if it went back meanwhile, on one borrowed below).
                    await answered.Start();
                }
                if (Ended)
                {
                    // pgway stopping ended the session meanwhile: what the client sent is not sent on.
                    return;
                }
                if (server is null && transactionLostTo is not null)
                {
                    await AnswerTransactionLostAsync();
                    continue;
                }
                if (server is null && await BorrowServerAsync() is not ServerBorrow.Lent and var borrow)
                {
                    if (borrow == ServerBorrow.Ended)
                    {
                        // Refused, timed out or stopped while waiting: the client has been told, if it could be.
                        return;
                    }
                    // Cancelled while waiting: what the client sent is never run.
                    await AnswerCancelledAsync();
                    continue;
                }
                if (borrowWaited)
                {
                    // Asked once per wait: in session mode the server stays lent, and a system call
                    // on every later read would cost each message.
                    borrowWaited = false;
                    if (ClientHungUp())
                    {
                        // Gone while it waited (a client's own timeout): what it sent is never run.
                        return;
                    }
                }
                NoteStatementWords();
                if (!await SendOrLoseServerAsync(chunk))
                {
                    // The server went away under the request and the session ends: the client was told why.
                    return;
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

    private async Task EndAsync(bool counted)
    {
        End();
        var attached = server;
        server = null;
        attached?.CancelWaits();
        // The pump ends: whatever it waits for (the server, the client, a server lent) is cancelled.
        client?.CancelWaits();
        serverLent.Fail(new OperationCanceledException("the session is ending"));
        cancelsDone.Fail(new OperationCanceledException("the session is ending"));
        if (serverPump is not null)
        {
            // Never faults: what it could not handle is in pumpFailure.
            await serverPump;
        }
        if (pumpFailure is { } failure && failure is not (SocketException or ObjectDisposedException))
        {
            reason ??= DisconnectReason.InternalError;
            LogSessionFailed(pooler.Logger, Id, failure);
            // Once, if the client's socket takes it now: nothing would end a wait for room any more.
            var telling = TellInternalErrorAsync();
            if (!telling.IsCompleted)
            {
                client?.CancelWaits();
            }
            await telling;
        }
        if (attached is not null && held is not null && pumpFailure is null)
        {
            server = attached;
            NoteParameterChanges(held!);
            // Nothing of pgway's own unanswered (nor an exchange of its own cut short), and no Sync of a
            // failed COPY's still maybe answered.
            var settled = !talkingToServer && tracker is not ({ Empty: false } or { SyncsMaybeAnswered: > 0 } or { CarryLength: > 0 });
            if (mode != PoolMode.Session && held!.CancelsInFlight > 0 && settled && ServerSettledButForCancels() && KeptForItsClient(held) is null)
            {
                // Clean, but a cancel sent for it is still under way: back to the pool once it is done.
                held.ReleaseAfterCancels = true;
                server = null;
                held = null;
            }
            else if (mode == PoolMode.Session && held!.CancelsInFlight == 0 && settled && await ResetAsync(attached))
            {
                server = null;
                if (held!.CancelsInFlight > 0)
                {
                    // A cancel came during the reset (the client's key is known until the end): it may land
                    // after the reset's answer, so the server goes back once the cancel is done with.
                    held.ReleaseAfterCancels = true;
                }
                else
                {
                    pool!.Release(held, loop);
                }
                held = null;
            }
            else
            {
                DropServer();
            }
        }
        else if (held is not null)
        {
            // Left by a pump that failed, or held but never linked (an attach that failed): closed.
            server = attached;
            DropServer();
        }
        // Closes still owed give their references back, as the names do.
        tracker?.Reset(null);
        rewriter?.Dispose();
        if (cancelKey is { } key)
        {
            pooler.CancelKeys.Forget(key);
        }
        if (counted)
        {
            pooler.RemoveClient();
        }
        ticket.Dispose();
        if (inPool)
        {
            pool!.RemoveClient();
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

    private async Task RefuseAsync(DisconnectReason why, string sqlState, string message)
    {
        reason ??= why;
        // A FATAL is the session's last word: ended first, so that nothing the pump has yet to pass on goes
        // beside or after it.
        End();
        if (clientSendUnderWay)
        {
            // The client is not reading what it was sent (a kill or a timeout ends it for that, often):
            // the error cannot go in the middle of that message, nor wait for room; the session ends without it.
            LogRefused(pooler.Logger, Id, sqlState, message);
            return;
        }
        var output = new ArrayBufferWriter<byte>();
        ErrorResponseWriter.Write(output, ErrorSeverity.Fatal, sqlState, message);
        LogRefused(pooler.Logger, Id, sqlState, message);
        clientSendUnderWay = true;
        try
        {
            var sending = client.SendAsync(output.WrittenMemory);
            if (!sending.IsCompleted)
            {
                // Said if the client's socket takes it now, never waiting for room: the session has ended,
                // and no timeout or kill would end that wait any more.
                client.CancelWaits();
            }
            await sending;
        }
        finally
        {
            EndClientSend();
        }
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

    private async Task TellInternalErrorAsync()
    {
        if (client is null)
        {
            return;
        }
        try
        {
            await RefuseAsync(DisconnectReason.InternalError, SqlState.InternalError, "pgway: internal error; the session ends (pgway's log says why)");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever failed may have left the client's side unusable too: the connection closes all the same.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "pooler: session {Session} failed")]
    private static partial void LogSessionFailed(ILogger logger, long session, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: client {Session} {User}@{Database} from {Remote} logged in ({Mode} pooling)")]
    private static partial void LogConnected(ILogger logger, long session, string user, string database, string remote, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: client {Session} {User}@{Database} from {Remote} disconnected: {Reason} after {Seconds:0.###}s")]
    private static partial void LogDisconnected(ILogger logger, long session, string user, string database, string remote, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: session {Session} refused: {SqlState} {Message}")]
    private static partial void LogRefused(ILogger logger, long session, string sqlState, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: session {Session}: the server refused the client's parameter {Name}: {Error}")]
    private static partial void LogParameterRefused(ILogger logger, long session, string name, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: session {Session}: forwarding a cancel request failed: {Error}")]
    private static partial void LogCancelFailed(ILogger logger, long session, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: cancel request {Session}: the pgway of node {Node}, which issued the key, did not take it in time")]
    private static partial void LogCancelForwardFailed(ILogger logger, long session, int node);

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
