using System.Buffers;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

// Syncs a client sends inside a COPY FROM STDIN. PostgreSQL ignores those the COPY reads; when the
// COPY fails, it answers each one it had not read yet with a ReadyForQuery. Where it stopped reading
// depends on the data (a bad row, a constraint checked rows later, a trigger before any row), so
// pgway cannot tell which of them will be answered. Each ReadyForQuery no request of the client's
// can take is one of them (ResponseTracker); before the server goes back to the pool, pgway asks it
// an empty Query of its own, so that whatever of them is still coming comes first and goes to the
// client, and no other client ever gets it.
internal sealed partial class ClientSession
{
    private async Task SettleCopySyncsAsync(ILoopTransport attached)
    {
        talkingToServer = true;
        // A simple Query: the server's unnamed statement is gone.
        held!.Unnamed.Owner = null;
        var probe = new ArrayBufferWriter<byte>();
        FrontendMessages.Query(probe, "");
        await attached.SendAsync(probe.WrittenMemory);
        using var reader = new MessageStreamReader(new LoopStream(attached));
        var clients = new ArrayBufferWriter<byte>();
        var emptyAnswered = false;
        while (true)
        {
            var (type, body) = await reader.ReadAsync(MessageHeader.LargeMessageLimit, pooler.Stopping);
            if (type == (byte)BackendMessageCode.EmptyQueryResponse && !emptyAnswered)
            {
                emptyAnswered = true;
                continue;
            }
            if (type == (byte)BackendMessageCode.ReadyForQuery && emptyAnswered)
            {
                break;
            }
            // Before the EmptyQueryResponse, a ReadyForQuery of a Sync the COPY had not read; before or
            // after it, a notice, a notification or a parameter's report: the client's.
            if (type == (byte)BackendMessageCode.ParameterStatus && ServerTraffic.TryParameter(body.Span, out var name, out var value))
            {
                held.Parameters[name] = value;
                fromServer.ParametersChanged = true;
            }
            new MessageHeader(type, body.Length).WriteTo(clients.GetSpan(MessageHeader.Size));
            clients.Advance(MessageHeader.Size);
            clients.Write(body.Span);
        }
        tracker!.CopySyncsSettled();
        // Answered in full (cut short, the flag stays: see talkingToServer).
        EndOwnExchange();
        if (clients.WrittenCount > 0)
        {
            await SendToClientAsync(clients.WrittenMemory);
        }
    }
}
