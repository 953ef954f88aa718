using System.Buffers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

// The end of a conversation, said by the client (Terminate) or forced by a server answering out of
// step. PostgreSQL runs whatever a client sent before its Terminate, even in the same write, and
// its answers go to a client that may no longer read them: so does pgway, and only then does the
// session end. A ReadyForQuery that no request of the client's awaits means pgway's count of the
// conversation is wrong: the server's further answers could reach the wrong client, so it is closed
// (never lent again) and the client is told, rather than guessing.
internal sealed partial class ClientSession
{
    // After its Terminate the client need not read its answers: failing to deliver them is no error.
    private bool clientLeft;
    private bool clientUnreachable;
    // A write to the client is under way (waiting for room when the client stops reading): the pump's,
    // or one of pgway's own messages. Nothing else can go in the middle of it.
    private bool clientSendUnderWay;
    // The client's side, with a message of pgway's own to send, waits here for the pump's write to end.
    private readonly LoopWaiter clientSendEnded = new();
    // The client's Terminate was passed to a server in COPY FROM STDIN: the server ends its connection
    // (after the COPY and what follows it, if the client ended it), so it is never lent again.
    private bool terminateForwarded;

    private async Task FinishBeforeTerminateAsync(ReadOnlyMemory<byte> chunk)
    {
        clientLeft = true;
        var before = fromClient.TerminateAt;
        if (before > 0)
        {
            var lastWord = chunk[..before];
            CountSent(before);
            while (talkingToServer && !Ended)
            {
                // pgway is talking to the server on its own (start-up values, a failed COPY's Syncs): its
                // reader would take the answers of this last word for its own.
                await answered.Start();
            }
            if (Ended)
            {
                return;
            }
            if (server is null && transactionLostTo is not null)
            {
                await AnswerTransactionLostAsync();
                return;
            }
            if (server is null && await BorrowServerAsync() != ServerBorrow.Lent)
            {
                return;
            }
            NoteStatementWords();
            BeginSending();
            try
            {
                await SendToServerAsync(lastWord);
            }
            finally
            {
                EndSending();
            }
            ReleaseIfIdle();
        }
        // The pump looks again: a failed COPY's Syncs may be left to settle now that the client is gone.
        server?.WakeWaits();
        while (!Ended && server is not null && (fromClient.Outstanding > 0 || !fromServer.Idle || fromClient.ServerCopyingIn
            || talkingToServer || tracker is { SyncsMaybeAnswered: > 0 } && ServerSettled()))
        {
            // A server in COPY FROM STDIN may wait for data that will never come (a COPY the client left
            // open) and would be held for ever: the Terminate goes to it, after everything the client
            // sent before it, as PostgreSQL reads it. Inside the COPY it fails it and closes (08P01); after
            // a COPY the client ended, it answers everything before it, then closes.
            if (fromClient.ServerCopyingIn && !terminateForwarded)
            {
                await ForwardTerminateAsync(before < 0 ? chunk[..(MessageHeader.Size + before)] : ReadOnlyMemory<byte>.Empty);
                continue;
            }
            await answered.Start();
        }
        if (before < 0 || terminateForwarded)
        {
            // The Terminate's first bytes went to the server with the read before, or the whole of it to a
            // server in COPY: it cannot serve again.
            DropServer();
        }
    }

    // The client's Terminate to its server: whole, or (its first bytes sent with an earlier read) the rest of it.
    private async Task ForwardTerminateAsync(ReadOnlyMemory<byte> rest)
    {
        terminateForwarded = true;
        BeginSending();
        try
        {
            if (!rest.IsEmpty)
            {
                // Through the same way as those first bytes, which may be held there until the rest comes.
                await SendToServerAsync(rest);
                return;
            }
            var terminate = new ArrayBufferWriter<byte>(MessageHeader.Size);
            FrontendMessages.Terminate(terminate);
            await server!.SendAsync(terminate.WrittenMemory);
        }
        finally
        {
            EndSending();
        }
    }

    // Everything the pump passes on to the client.
    private async ValueTask SendToClientAsync(ReadOnlyMemory<byte> data)
    {
        if (clientLeft && clientUnreachable)
        {
            return;
        }
        if (clientSendUnderWay)
        {
            // pgway's own messages go only while no server is the pump's: what can be under way is the
            // session's last word (a kill's, a timeout's), after which nothing is said. Anything else is a
            // defect, which must end the session rather than mix two messages in the client's stream.
            if (Ended)
            {
                return;
            }
            throw new InvalidOperationException("a write to the client was already under way");
        }
        clientSendUnderWay = true;
        try
        {
            await client.SendAsync(data);
        }
        catch (Exception e) when (clientLeft && e is SocketException or ObjectDisposedException)
        {
            clientUnreachable = true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The client's socket, not the server's: the pump must not take it for a server lost.
            throw new ClientUnreachableException(e);
        }
        finally
        {
            EndClientSend();
        }
    }

    // A message of pgway's own to the client (answers to requests it never ran, values it learned),
    // from either side of the session. The client's side can find the pump's write still under way, the
    // client not reading what it was sent (its last ReadyForQuery counted, a server lost under its next
    // request): it waits for that write to end. The pump never finds one under way: its writes end
    // before it goes on.
    private async ValueTask SendOwnToClientAsync(ReadOnlyMemory<byte> data)
    {
        while (clientSendUnderWay && !Ended)
        {
            await clientSendEnded.Start();
        }
        if (Ended)
        {
            // Ending: what it says (if anything) is said by the end itself.
            return;
        }
        clientSendUnderWay = true;
        try
        {
            await client.SendAsync(data);
        }
        finally
        {
            EndClientSend();
        }
        if (pooler.Draining)
        {
            // A drain that came during the write waited for it to end: the session looks again.
            Drain();
        }
    }

    // A write to the client ended (or failed): whatever waits to write next goes on.
    private void EndClientSend()
    {
        clientSendUnderWay = false;
        clientSendEnded.Complete();
    }

    private async Task EndOutOfStepAsync()
    {
        LogOutOfStep(pooler.Logger, Id, held?.Lease.ToString() ?? "?");
        End();
        // The answers read with it are not forwarded: whose they are is exactly what is unknown.
        await TryRefuseAsync(DisconnectReason.ProtocolDesync, SqlState.ProtocolViolation,
            "pgway: the server answered a request pgway did not see sent (the conversation is out of step); the server connection is closed and so is this session");
        DropServer();
        client.CancelWaits();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "pooler: session {Session}: the server on {Lease} answered a request pgway did not see sent; closing that server and the session")]
    private static partial void LogOutOfStep(ILogger logger, long session, string lease);
}
