using System.Buffers;
using Microsoft.Extensions.Logging;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

// RESET, RESET ALL and DISCARD ALL put a setting back to its reset value: on PostgreSQL that is the
// value the client gave in its start-up packet, on a pooled server the value the server logged in
// with (PgBouncer's clients see the server's). pgway puts the client's start-up values back right
// after, on the same server, before the client's ReadyForQuery: the client sees what PostgreSQL
// would show it. Which settings a RESET named is read from the client's text (RESET name, RESET
// ALL); where that cannot be read, from the ParameterStatus messages the server sent after it.
internal sealed partial class ClientSession
{
    // Set while pgway talks to the server on its own (start-up values put back, a failed COPY's Syncs
    // settled, the client's parameters applied to a server lent): the client's next request waits. Left
    // set when such an exchange is cut short, until the server is unlinked: its answers are still to
    // come, so it is never reset or lent on.
    private bool talkingToServer;

    // A RESET went to the server: the client's next read waits until it is answered and the start-up
    // values are back, so a request the client sent right after it (without waiting) sees them.
    private bool waitAfterReset;

    // The words of the read about to go to the server (its Query and Parse texts, read whole across
    // reads by the client traffic's scan): a RESET or DISCARD, or a word that may end the block.
    private void NoteStatementWords()
    {
        var (resetOrDiscard, transactionEnd) = fromClient.Words.TakeRead();
        if (fromServer.Status != TransactionStatus.Idle && !sentTransactionEnd)
        {
            sentTransactionEnd = transactionEnd;
        }
        waitAfterReset |= resetOrDiscard && startupValues.Count > 0;
    }

    // After a read that completed a request with RESET or DISCARD in it: its answer and the start-up
    // values put back come before the client's next read is forwarded.
    private async Task WaitForResetAsync()
    {
        if (!waitAfterReset || !fromClient.AtMessageBoundary)
        {
            return;
        }
        waitAfterReset = false;
        while (!Ended && server is not null && (fromClient.Outstanding > 0 || talkingToServer))
        {
            await answered.Start();
        }
    }

    // In the pump, when a RESET or DISCARD ALL has been answered and nothing else is outstanding: the
    // client's start-up values set again; the ParameterStatus messages the client is to see, if any.
    private async Task<RestoredSettings?> RestoreStartupValuesAsync(ILoopTransport attached)
    {
        var reset = fromServer.TakeSettingsReset();
        var (allText, targets) = fromClient.Words.TakeResetNames();
        var server = held!;
        List<KeyValuePair<string, string>>? changes = null;
        // The names read from the client's text decide when one of them is a start-up parameter; else
        // (a name cut between two writes, say) the server's reports after the RESET do.
        var textNamesOne = targets is not null && startupValues.Keys.Any(targets.Contains);
        foreach (var (name, value) in startupValues)
        {
            var named = reset.All || allText || (textNamesOne ? targets!.Contains(name) : reset.Reported?.ContainsKey(name) == true);
            var reported = server.Login.Parameters.ContainsKey(name);
            if (!named || (reported && server.Parameters.GetValueOrDefault(name) == value))
            {
                continue;
            }
            (changes ??= []).Add(new(name, value));
        }
        if (changes is null)
        {
            return null;
        }
        // What the client had been told of each parameter that may be reported now: those the server
        // reported after the RESET (their reports are replaced), and those put back.
        var told = new Dictionary<string, string?>(reset.Replaced ?? new Dictionary<string, string?>(), StringComparer.OrdinalIgnoreCase);
        foreach (var (name, _) in changes)
        {
            told.TryAdd(name, parameters.GetValueOrDefault(name));
        }
        talkingToServer = true;
        // A cancel the client sent while its RESET ran may land yet: never on pgway's set_config (one that
        // comes from now on waits for the exchange's end, ForwardCancel).
        while (server.CancelsInFlight > 0 && !Ended)
        {
            await cancelsDone.Start();
        }
        if (Ended)
        {
            throw new OperationCanceledException("the session is ending");
        }
        // Simple queries: the server's unnamed statement is gone.
        server.Unnamed.Owner = null;
        var output = new ArrayBufferWriter<byte>();
        foreach (var (name, value) in changes)
        {
            FrontendMessages.Query(output, $"SELECT pg_catalog.set_config({QuoteLiteral(name)}, {QuoteLiteral(value)}, false)");
        }
        await attached.SendAsync(output.WrittenMemory);
        using var reader = new MessageStreamReader(new LoopStream(attached));
        var failed = false;
        for (var answered = 0; answered < changes.Count;)
        {
            var (type, body) = await reader.ReadAsync(MessageHeader.LargeMessageLimit, pooler.Stopping);
            if (type == (byte)BackendMessageCode.ParameterStatus && ServerTraffic.TryParameter(body.Span, out var name, out var value))
            {
                server.Parameters[name] = value;
                parameters[name] = value;
            }
            else if (type == (byte)BackendMessageCode.ErrorResponse)
            {
                failed = true;
                ErrorResponseReader.TryRead(body.Span, out var error);
                LogParameterRefused(pooler.Logger, Id, changes[answered].Key, error.GetValueOrDefault('M', "?"));
            }
            else if (type == (byte)BackendMessageCode.ReadyForQuery)
            {
                var (changed, setTo) = changes[answered];
                if (!server.Login.Parameters.ContainsKey(changed))
                {
                    // Refused, the server keeps what it had: not remembered as set, so the next borrow sets it.
                    if (!failed)
                    {
                        server.Parameters[changed] = setTo;
                    }
                    parameters[changed] = setTo;
                }
                failed = false;
                answered++;
            }
        }
        fromServer.ParametersChanged = true;
        // Answered in full. Cut short (pgway stopping, a kill), the flag stays: the server still owes
        // answers, and is closed rather than reset or lent (OnServerUnlinked clears it then).
        EndOwnExchange();
        return new RestoredSettings(ReportedChanges(told, server.Login.Parameters, server.Parameters, pool?.Welcome), ReplaceReports: true);
    }

    // What PostgreSQL would report at the RESET's ReadyForQuery: each reported parameter whose value
    // now differs from what the client was told, in PostgreSQL's order (not the order pgway put the
    // values back in, nor the server's reports first and pgway's after). A name the client was told
    // nothing of since its greeting had the greeting's value.
    internal static byte[] ReportedChanges(IReadOnlyDictionary<string, string?> told, IReadOnlyDictionary<string, string> reported,
        IReadOnlyDictionary<string, string> now, IReadOnlyDictionary<string, string>? welcome)
    {
        var names = new List<string>(told.Keys);
        names.Sort(ReportOrder.Instance);
        var statuses = new ArrayBufferWriter<byte>();
        foreach (var name in names)
        {
            if (!reported.ContainsKey(name) || !now.TryGetValue(name, out var value))
            {
                // Not a reported parameter: PostgreSQL says nothing of it.
                continue;
            }
            if ((told[name] ?? welcome?.GetValueOrDefault(name)) != value)
            {
                BackendMessages.ParameterStatus(statuses, name, value);
            }
        }
        return statuses.WrittenSpan.ToArray();
    }

    // What the client gets of a read after a RESET: the server's own reports after the RESET (of the
    // values it went back to, some of which pgway changed again) replaced, where the read can be
    // walked message by message, by pgway's, just before the read's closing ReadyForQuery (or after
    // the read, when it does not end with one). Reports before the RESET, of requests before it in the
    // same read, are the client's as they are.
    internal static ReadOnlyMemory<byte> WithStatuses(ReadOnlyMemory<byte> read, RestoredSettings restored)
    {
        var kept = new ArrayBufferWriter<byte>(read.Length + restored.Statuses.Length);
        var span = read.Span;
        var replaceFrom = 0;
        for (var at = 0; restored.ReplaceReports && TryMessageLength(span, at, out var length); at += length)
        {
            if (span[at] == (byte)BackendMessageCode.CommandComplete && ServerTraffic.IsResetTag(span.Slice(at + MessageHeader.Size, length - MessageHeader.Size)))
            {
                replaceFrom = at + length;
            }
        }
        var position = 0;
        var readyAt = -1;
        while (restored.ReplaceReports && TryMessageLength(span, position, out var length))
        {
            var message = span.Slice(position, length);
            if (message[0] == (byte)BackendMessageCode.ReadyForQuery && position + length == span.Length)
            {
                readyAt = kept.WrittenCount;
            }
            if (position < replaceFrom || message[0] != (byte)BackendMessageCode.ParameterStatus)
            {
                kept.Write(message);
            }
            position += length;
        }
        kept.Write(span[position..]);
        var output = kept.WrittenSpan;
        const int ready = MessageHeader.Size + 1;
        if (readyAt < 0 && output.Length >= ready && output[^ready] == (byte)BackendMessageCode.ReadyForQuery
            && output[(output.Length - ready + 1)..(output.Length - 1)].SequenceEqual(new byte[] { 0, 0, 0, 5 }))
        {
            readyAt = output.Length - ready;
        }
        var split = readyAt < 0 ? output.Length : readyAt;
        var joined = new byte[output.Length + restored.Statuses.Length];
        output[..split].CopyTo(joined);
        restored.Statuses.CopyTo(joined, split);
        output[split..].CopyTo(joined.AsSpan(split + restored.Statuses.Length));
        return joined;
    }

    private static bool TryMessageLength(ReadOnlySpan<byte> span, int position, out int length)
    {
        length = 0;
        if (position + MessageHeader.Size > span.Length)
        {
            return false;
        }
        length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(span[(position + 1)..]) + 1;
        return length >= MessageHeader.Size && position + length <= span.Length;
    }
}
