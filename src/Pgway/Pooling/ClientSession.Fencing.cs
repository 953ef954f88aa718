using System.Buffers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Model;
using Pgway.Protocol;

namespace Pgway.Pooling;

// A dest: pool service's member fenced under a client: the server it holds is shut down at once,
// so no further statement reaches that member. Between messages in transaction (or statement)
// mode the client only loses its transaction: each request it waits on is answered with an error,
// or, idle in the transaction, its next request is; its next transaction gets a server of another
// member. The same for a pool service's server lost otherwise (the member shut down or crashed).
// In session mode, or cut in the middle of a message, the session ends.
// Idle in its transaction, the client did lose it: the server never got a COMMIT. A request in
// flight is another matter: it may have been a COMMIT (or a statement outside a transaction) that
// the server committed before it went away, so unless the transaction had already failed, the
// client is told that the outcome is unknown (08007), never that the transaction did not complete.
internal sealed partial class ClientSession
{
    // The client was idle in a transaction whose server was fenced: its next request is told.
    private ServerLease? transactionLostTo;
    // Since the last time nothing was outstanding, inside a transaction block: the client sent
    // something that could end the block (see StatementWords.TransactionEnd).
    private bool sentTransactionEnd;

    /// <summary>From any thread: the lease of fenced servers; the session's server, if it is one of them, is shut down on the loop.</summary>
    public void OnServerFenced(ServerLease lease) => loop.Post(() =>
    {
        if (Ended || held is not { } current || current.Lease != lease)
        {
            return;
        }
        try
        {
            // The pump reads the end of the stream and decides what the client is told (see TryRecoverFencedAsync).
            current.Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Gone already: the pump learns that on its own.
        }
    });

    private static string FencedMessage(ServerLease lease) => lease.IsFenced
        ? $"pgway: the server connection was lost: {lease} was fenced (it is no longer eligible for the service); this transaction did not complete"
        : $"pgway: the server connection to {lease} was lost; this transaction did not complete";

    // The client's bytes to its server; false when that server was found gone by the write and the
    // session ends (the client told why). A fenced server is shut down on the loop, and a request
    // read before the pump reads that end meets it here first: the write fails, never the session
    // silently. It is a server lost like any other: the pump's way (LoseServerAsync) answers it.
    private async Task<bool> SendOrLoseServerAsync(ReadOnlyMemory<byte> chunk)
    {
        var to = server!;
        string failure;
        BeginSending();
        try
        {
            await SendToServerAsync(chunk);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException && server == to && !Ended)
        {
            failure = e.Message;
        }
        finally
        {
            EndSending();
        }
        // No longer Sending: the request may be answered in step (TryRecoverAsync) rather than the session ended.
        return await LoseServerAsync(to, failure);
    }

    // In the pump, its server gone: true when the client keeps its session, having been answered.
    private async Task<bool> TryRecoverAsync()
    {
        var lease = held!.Lease;
        LogServerFenced(pooler.Logger, Id, lease.ToString(), lease.IsFenced ? "fenced" : "lost");
        if (mode == PoolMode.Session || State == ClientState.Sending || !fromServer.Idle || !fromClient.AtMessageBoundary
            || fromClient.BatchOpen || fromClient.ServerCopyingIn)
        {
            return false;
        }
        var outstanding = fromClient.Outstanding;
        DropServer();
        fromClient.Outstanding = 0;
        requestStart = transactionStart = 0;
        UpdateTimeoutState();
        if (outstanding == 0)
        {
            transactionLostTo = lease;
            return true;
        }
        // In a failed transaction one request commits nothing; a second one, pipelined after a ROLLBACK, might.
        // Outside a transaction block a statement commits on its own; inside one, only a request that
        // could end the block can have committed anything.
        var mayHaveCommitted = fromServer.Status == TransactionStatus.Idle || sentTransactionEnd;
        await SendOwnToClientAsync(LostAnswers(outstanding, lease, mayHaveCommitted));
        return true;
    }

    // The first request after a transaction lost while the client was idle in it: answered with the error, not run.
    private async Task AnswerTransactionLostAsync()
    {
        var lease = transactionLostTo;
        transactionLostTo = null;
        if (!fromClient.AtMessageBoundary || fromClient.BatchOpen || fromClient.Outstanding == 0)
        {
            throw new ServerLoginException(SqlState.ConnectionFailure, lease is null ? "pgway: the server connection was lost" : FencedMessage(lease), DisconnectReason.ServerLost);
        }
        var outstanding = fromClient.Outstanding;
        fromClient.Outstanding = 0;
        requestStart = transactionStart = 0;
        UpdateTimeoutState();
        await SendOwnToClientAsync(LostAnswers(outstanding, lease, mayHaveCommitted: false));
    }

    private static ReadOnlyMemory<byte> LostAnswers(int outstanding, ServerLease? lease, bool mayHaveCommitted)
    {
        var output = new ArrayBufferWriter<byte>();
        var (code, message) = mayHaveCommitted
            ? (SqlState.TransactionResolutionUnknown, OutcomeUnknownMessage(lease))
            : (SqlState.ConnectionFailure, lease is null ? "pgway: the server connection was lost; this transaction did not complete" : FencedMessage(lease));
        for (var i = 0; i < outstanding; i++)
        {
            ErrorResponseWriter.Write(output, ErrorSeverity.Error, code, message);
            BackendMessages.ReadyForQuery(output, TransactionStatus.Idle);
        }
        return output.WrittenMemory;
    }

    private static string OutcomeUnknownMessage(ServerLease? lease) =>
        $"pgway: the server connection{(lease is null ? "" : $" to {lease}")} was lost{(lease is { IsFenced: true } ? " (fenced: no longer eligible for the service)" : "")} before the answer: " +
        "whether this request took effect (a COMMIT committed) is unknown";

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: session {Session} lost its server on {Lease} ({How}) mid-transaction")]
    private static partial void LogServerFenced(ILogger logger, long session, string lease, string how);
}
