using Pgway.Model;
using Pgway.Pooling.PreparedStatements;

namespace Pgway.Pooling;

// Protocol-level prepared statements in transaction and statement modes: the client's statement
// names are mapped to shared server-side names on whichever server it holds (RequestRewriter), and
// the server's answers are followed so that what pgway sent or answered on its own stays invisible
// (ResponseTracker). Session mode needs none of it: the client keeps its server.
internal sealed partial class ClientSession
{
    private bool MapsStatements => mode != PoolMode.Session && Settings.MaxPreparedStatements > 0;

    // At each server lent: the tracking starts afresh on it, with the server's own statement cache.
    // Every request is followed in every mode, so that the session knows exactly which ones the
    // server will answer; statement names are mapped only where servers are shared.
    private void TrackStatementsOn(PooledServer borrowed)
    {
        if (tracker is null)
        {
            tracker = new ResponseTracker { RequestDropped = DropOutstanding, RequestRestored = () => fromClient.Outstanding++ };
            fromServer.Tracker = tracker;
            rewriter = new RequestRewriter(pooler.Statements, tracker, Settings.MaxPreparedStatements, MapsStatements, mode != PoolMode.Session, ParseContext,
                new ClientStatementLimits(Settings.MaxClientPreparedStatements, Settings.MaxClientPreparedBytes))
            {
                InFailedTransaction = () => fromServer.Status == Protocol.TransactionStatus.Failed,
            };
            toServer = new RentedBuffer();
            toClient = new RentedBuffer();
            if (MapsStatements)
            {
                fromServer.StatementsDiscarded = ForgetStatements;
            }
        }
        if (MapsStatements)
        {
            borrowed.Statements ??= rewriter!.NewServerCache();
        }
        tracker.Reset(MapsStatements ? borrowed.Statements : null, mode != PoolMode.Session ? borrowed.Unnamed : null);
    }

    // The client's ParseContextFormat.Settings now: its own value of each, else the server's at log-in
    // (the value it has without ever setting one). Made again only when one of them changed: a named
    // Parse reads it each time.
    private string? parseContext;
    private string?[]? parseContextValues;

    private string ParseContext()
    {
        var settings = ParseContextFormat.Settings;
        var values = parseContextValues ??= new string?[settings.Length];
        var same = parseContext is not null;
        for (var i = 0; i < settings.Length && same; i++)
        {
            same = string.Equals(EffectiveValue(settings[i]), values[i], StringComparison.Ordinal);
        }
        if (same)
        {
            return parseContext!;
        }
        for (var i = 0; i < settings.Length; i++)
        {
            values[i] = EffectiveValue(settings[i]);
        }
        return parseContext = ParseContextFormat.Format(values);
    }

    private string? EffectiveValue(string setting) => parameters.GetValueOrDefault(setting) ?? pool?.Welcome?.GetValueOrDefault(setting);

    // A request the server will never answer (skipped after an error, or a Sync the COPY read).
    // Not floored at zero: the server's ReadyForQuery messages of a read are counted before the
    // tracker follows it, so a request taken off here may have been counted answered already (a Sync
    // inside a COPY, answered as the COPY failed first), which the tracker then puts back.
    private void DropOutstanding() => fromClient.Outstanding--;

    // DISCARD ALL or DEALLOCATE ALL ran on the server: its statements are gone, and so are the
    // client's names for them.
    private void ForgetStatements()
    {
        tracker?.Server?.Clear();
        rewriter?.Forget();
        tracker?.Unnamed?.Owner = null;
    }

    private async ValueTask SendToServerAsync(ReadOnlyMemory<byte> chunk)
    {
        if (rewriter is null)
        {
            await server!.SendAsync(chunk);
            return;
        }
        var input = chunk;
        while (true)
        {
            try
            {
                var rewrittenChunk = rewriter.Rewrite(input, toServer!);
                if (!rewrittenChunk.IsEmpty)
                {
                    await server!.SendAsync(rewrittenChunk);
                }
            }
            finally
            {
                rewriter.Sent();
                toServer!.Reset();
            }
            if (!rewriter.AwaitingLearn)
            {
                break;
            }
            // The client's next message waits for the description the server was just asked for
            // (the pump reads it): then the rest goes, or the client gets 0A000 as from PostgreSQL.
            while (rewriter.StillHolding && server is not null && !Ended)
            {
                await answered.Start();
            }
            rewriter.AwaitingLearn = false;
            if (Ended)
            {
                return;
            }
            if (server is null)
            {
                // The server was lost while the client's next message waited for its answers: the
                // session may have gone on (the lost transaction answered), but the messages kept
                // back were never sent, and the client would wait for their answers for ever.
                throw new ServerLoginException(Protocol.SqlState.ConnectionFailure,
                    "pgway: the server connection was lost while the client's next request waited for its answers; that request was not sent",
                    DisconnectReason.ServerLost);
            }
            input = ReadOnlyMemory<byte>.Empty;
        }
    }

    // The server's bytes as the client must see them: without the completions of what pgway sent, with
    // those it answers; what the server will not answer is taken off the client's count now. Valid
    // until SendFilteredAsync sends it (the carry from the last read goes first in the buffer).
    private ReadOnlyMemory<byte> FilterServerRead(byte[] buffer, int length)
    {
        tracker!.TakeCarry(buffer);
        return tracker.Filter(buffer, length, toClient!);
    }

    // What the client gets of a server's read (FilterServerRead's, or the read as it is), with the
    // start-up values put back after a RESET, if any.
    private async ValueTask SendFilteredAsync(ReadOnlyMemory<byte> filtered, RestoredSettings? statuses = null)
    {
        try
        {
            if (statuses is not null)
            {
                filtered = WithStatuses(filtered, statuses);
            }
            if (!filtered.IsEmpty)
            {
                await SendToClientAsync(filtered);
            }
        }
        finally
        {
            toClient?.Reset();
        }
    }
}
