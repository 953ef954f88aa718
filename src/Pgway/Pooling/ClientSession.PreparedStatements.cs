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
    private void TrackStatementsOn(PooledServer borrowed)
    {
        if (!MapsStatements)
        {
            return;
        }
        if (tracker is null)
        {
            tracker = new ResponseTracker();
            rewriter = new RequestRewriter(pooler.Statements, tracker, Settings.MaxPreparedStatements);
            toServer = new RentedBuffer();
            toClient = new RentedBuffer();
            fromServer.StatementsDiscarded = ForgetStatements;
        }
        borrowed.Statements ??= rewriter!.NewServerCache();
        tracker.Reset(borrowed.Statements);
    }

    // DISCARD ALL or DEALLOCATE ALL ran on the server: its statements are gone, and so are the
    // client's names for them.
    private void ForgetStatements()
    {
        tracker?.Server?.Clear();
        rewriter?.Forget();
    }

    private async ValueTask SendToServerAsync(ReadOnlyMemory<byte> chunk)
    {
        if (rewriter is null)
        {
            await server!.SendAsync(chunk);
            return;
        }
        try
        {
            var rewrittenChunk = rewriter.Rewrite(chunk, toServer!);
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
        if (tracker!.FakesReady)
        {
            // Answered by pgway with nothing outstanding before: the pump, the client's one writer, sends it.
            server!.WakeWaits();
        }
    }

    // The server's bytes as the client must see them: without the completions of what pgway sent, with those it answers.
    private async ValueTask SendFilteredAsync(byte[] buffer, int length)
    {
        try
        {
            var filtered = tracker!.Filter(buffer, length, toClient!);
            if (!filtered.IsEmpty)
            {
                await client.SendAsync(filtered);
            }
        }
        finally
        {
            toClient!.Reset();
        }
    }

    private async ValueTask SendFakesAsync()
    {
        try
        {
            tracker!.WriteFakes(toClient!);
            await client.SendAsync(toClient!.Written);
        }
        finally
        {
            toClient!.Reset();
        }
        ReleaseIfIdle();
        UpdateTimeoutState();
    }
}
