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
            tracker = new ResponseTracker { RequestDropped = DropOutstanding };
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

    // The settings under which PostgreSQL reads a query text differently: two clients share a server
    // statement only when they agree on all of them (a literal's date order and time zone are fixed
    // when the statement is parsed; a name resolves in the search_path).
    private static readonly string[] ParseSettings = ["search_path", "DateStyle", "TimeZone", "IntervalStyle", "standard_conforming_strings"];

    // Made again only when one of those settings changed: a named Parse reads it each time.
    private string? parseContext;
    private string?[]? parseContextValues;

    private string ParseContext()
    {
        var values = parseContextValues ??= new string?[ParseSettings.Length];
        var same = parseContext is not null;
        for (var i = 0; i < ParseSettings.Length && same; i++)
        {
            same = string.Equals(parameters.GetValueOrDefault(ParseSettings[i]), values[i], StringComparison.Ordinal);
        }
        if (same)
        {
            return parseContext!;
        }
        var context = new System.Text.StringBuilder();
        for (var i = 0; i < ParseSettings.Length; i++)
        {
            values[i] = parameters.GetValueOrDefault(ParseSettings[i]);
            context.Append(values[i]).Append('\u0001');
        }
        return parseContext = context.ToString();
    }

    // A request the server will never answer (skipped after an error, or a Sync the COPY read).
    private void DropOutstanding()
    {
        if (fromClient.Outstanding > 0)
        {
            fromClient.Outstanding--;
        }
    }

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
            if (server is null || Ended)
            {
                return;
            }
            input = ReadOnlyMemory<byte>.Empty;
        }
        if (tracker!.FakesReady)
        {
            // Answered by pgway with nothing outstanding before: the pump, the client's one writer, sends it.
            server!.WakeWaits();
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

    private async ValueTask SendFakesAsync()
    {
        try
        {
            tracker!.WriteFakes(toClient!);
            await SendToClientAsync(toClient!.Written);
        }
        finally
        {
            toClient!.Reset();
        }
        ReleaseIfIdle();
        UpdateTimeoutState();
        answered.Complete();
    }
}
