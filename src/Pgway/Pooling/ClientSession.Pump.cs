using System.Buffers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Model;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

// The server's answers to the client: one pump per session, reading whichever server the client
// holds, and what happens when that server goes away under it.
internal sealed partial class ClientSession
{
    // The server's answers to the client, from whichever server the client holds; gives the server
    // back when the transaction is over. One pump for the whole session: between transactions it
    // waits for the next server lent (no task, and no buffer, per transaction).
    private async Task PumpServerAsync()
    {
        byte[]? buffer = null;
        try
        {
            while (!Ended)
            {
                if (pooler.Draining && DrainNow())
                {
                    // pgway drains, and its wake-up came while an answer was on its way to the client (a
                    // failed COPY's Syncs settled, a pool service's lost server told): the session ends now.
                    await ShutDownAsync();
                    return;
                }
                if (server is not { } from || talkingToServer)
                {
                    // No server; or the client's side, borrowing one, gives it the client's parameters and
                    // reads their answers itself (the pump, woken inline as it gave the last server back, can
                    // find the next one linked already): the pump's turn comes when the server is lent.
                    ReturnBuffer(ref buffer);
                    await serverLent.Start();
                    continue;
                }
                buffer ??= ArrayPool<byte>.Shared.Rent(Transport.Splice.BufferSize);
                try
                {
                    if (tracker is { SyncsMaybeAnswered: > 0 } && ServerSettled() && (mode != PoolMode.Session || clientLeft))
                    {
                        // A failed COPY's Syncs may still be answered: settled before the server goes back
                        // (or, the client gone, before the session's reset).
                        await SettleCopySyncsAsync(from);
                        ReleaseIfIdle();
                        answered.Complete();
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
                        if (await LoseServerAsync(from, ServerClosed))
                        {
                            continue;
                        }
                        return;
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
                    if (fromServer.FatalAt >= 0 && pooler.Options.Target is not null && mode != PoolMode.Session && EndedByOperator(fromServer.FatalCode))
                    {
                        // A pool service's server ending its connection (shut down, terminated): what came
                        // before its FATAL is the client's, the FATAL is not, so the client loses its
                        // transaction, not its session. A FATAL of the client's own making (a protocol
                        // violation) is passed on, and ends its session, as on PostgreSQL.
                        if (fromServer.FatalAt > 0 && tracker is null)
                        {
                            await SendToClientAsync(buffer.AsMemory(0, fromServer.FatalAt));
                        }
                        else if (fromServer.FatalAt > 0)
                        {
                            await SendFilteredAsync(FilterServerRead(buffer, carried + fromServer.FatalAt));
                        }
                        if (await LoseServerAsync(from, ServerClosed))
                        {
                            continue;
                        }
                        return;
                    }
                    if (fromServer.FatalCode is not null)
                    {
                        // Passed on below: the client has its error, and needs no second one when the server closes.
                        serverSaidFatal = true;
                    }
                    if (mode == PoolMode.Statement && fromServer.Status != TransactionStatus.Idle)
                    {
                        // What the client began cannot be kept on one server: it is told, and the server,
                        // inside the transaction, is closed rather than reused.
                        End();
                        await TryRefuseAsync(DisconnectReason.TransactionInStatementMode, SqlState.FeatureNotSupported,
                            "pgway: transaction blocks not allowed in statement pooling mode");
                        DropServer();
                        client.CancelWaits();
                        return;
                    }
                    // The tracker's part of the read first: a CopyInResponse in it takes off the Syncs the
                    // COPY reads, which the scan above counted as awaiting a ReadyForQuery; a RESET is
                    // answered only once that count is right.
                    var forClient = tracker is null ? buffer.AsMemory(0, read) : FilterServerRead(buffer, carried + read);
                    if (tracker is { OutOfStep: true } || fromClient.Outstanding < 0)
                    {
                        toClient?.Reset();
                        await EndOutOfStepAsync();
                        return;
                    }
                    RestoredSettings? statuses = null;
                    try
                    {
                        if (fromServer.SettingsReset.Any && fromClient.Outstanding == 0 && !fromClient.BatchOpen && fromServer.Idle && State != ClientState.Sending
                            && tracker is not { SyncsMaybeAnswered: > 0 } && !fromClient.ServerCopyingIn)
                        {
                            statuses = await RestoreStartupValuesAsync(from);
                            if (statuses is not null && !fromServer.ScanBeganAtBoundary)
                            {
                                // The server's own reports cannot be picked out of this read: they stay before ours.
                                statuses = statuses with { ReplaceReports = false };
                            }
                        }
                    }
                    catch
                    {
                        // The read filtered is never sent: its buffer is free for the next.
                        toClient?.Reset();
                        throw;
                    }
                    await SendFilteredAsync(forClient, statuses);
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
                catch (ClientUnreachableException)
                {
                    // The client went away (reset, closed) under an answer: its session ends, and the session's
                    // end closes the server (or, in session mode, resets it if the answer had ended). That says
                    // nothing of its member, whose other servers stay lendable. The client's side may be waiting
                    // to write to the server, which nothing reads any more: woken too.
                    End();
                    client.CancelWaits();
                    server?.CancelWaits();
                    return;
                }
                catch (Exception e) when (e is SocketException or PostgresProtocolException or ObjectDisposedException or OperationCanceledException or EndOfStreamException)
                {
                    if (e is OperationCanceledException && server == from && !Ended)
                    {
                        throw;
                    }
                    if (!await LoseServerAsync(from, e.Message))
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The session is ending (or pgway is stopping, which cut short an exchange of its own).
        }
        catch (Exception e)
        {
            // Anything else (the client's socket failing as the pump tells it of a lost server, or a defect):
            // what the server and the client were told is unknown, so the session ends, its server is closed,
            // and the session's end says why (EndAsync).
            pumpFailure = e;
        }
        finally
        {
            ReturnBuffer(ref buffer);
            if (!Ended && Volatile.Read(ref expired) == 0)
            {
                // Nothing reads the client's server any more: the session cannot go on. Ended before the
                // wake-up below, so a wait on this pump (a Terminate waiting for its answers, say), now or
                // started later, sees it and the session ends and closes its server. (An expiry on its
                // way, a kill or a timeout, ends it itself and tells the client why.)
                End();
                client?.CancelWaits();
            }
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

    // Class 57, operator intervention: the server's connection ended by a shutdown, a crash, a
    // pg_terminate_backend or a timeout of the server's own, not by anything the client sent.
    private static bool EndedByOperator(string? sqlState) => sqlState is not null && sqlState.StartsWith("57P", StringComparison.Ordinal);

    // What the log says of a server that closed its end (or sent its FATAL and will).
    private const string ServerClosed = "Connection reset by peer";

    // The server the pump reads is gone (closed, reset, its FATAL read, or unreadable): true when
    // the pump goes on (the server was no longer the client's, or only the transaction was lost),
    // false when the session ends, the client told why.
    private async Task<bool> LoseServerAsync(ILoopTransport from, string error)
    {
        if (server != from || Ended)
        {
            // About a server no longer the client's, or the session is ending anyway.
            return true;
        }
        if (terminateForwarded)
        {
            // The client left, and its Terminate, passed to the server, closed it as asked.
            End();
            DropServer();
            client.CancelWaits();
            return false;
        }
        // Only a server that went away with its member (shut down, crashed, or without a word) says anything
        // about the others there: one ended for its own session (an idle timeout, a protocol error) does not.
        if (held is { } lost && fromServer.FatalCode is null or SqlState.AdminShutdown or SqlState.CrashShutdown or SqlState.CannotConnectNow)
        {
            pool!.NoteServerLost(lost.Lease);
        }
        var fenced = held?.Lease is { IsFenced: true } lease ? lease : null;
        // Whatever waits on this server's answers learns it is gone.
        answered.Complete();
        if ((fenced is not null || pooler.Options.Target is not null) && !serverSaidFatal && await TryRecoverAsync())
        {
            // Only the transaction was lost: the session goes on, with a server elsewhere. A wait woken
            // above ran at once and, the server still held then, waits again: it learns now that the
            // server is gone (a client finishing before its Terminate would otherwise wait for ever).
            answered.Complete();
            return true;
        }
        // The server died under the client: the client learns it and the session ends.
        LogServerLost(pooler.Logger, Id, error);
        End();
        if (serverSaidFatal)
        {
            // Its own FATAL, passed on, said why, as PostgreSQL's client would see it.
            reason ??= DisconnectReason.ServerLost;
            DropServer();
            client.CancelWaits();
            return false;
        }
        await TryRefuseAsync(DisconnectReason.ServerLost, SqlState.ConnectionFailure,
            fenced is null ? "pgway: the server connection was lost (server closed the connection unexpectedly)" : FencedMessage(fenced));
        DropServer();
        client.CancelWaits();
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: session {Session} lost its server: {Error}")]
    private static partial void LogServerLost(ILogger logger, long session, string error);
}
