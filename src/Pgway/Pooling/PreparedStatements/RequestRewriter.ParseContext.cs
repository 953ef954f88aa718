using System.Buffers.Binary;
using System.Text;
using Pgway.Protocol;

namespace Pgway.Pooling.PreparedStatements;

// A client's statement is made on a server under the settings it was parsed with. PostgreSQL fixes a
// literal's value when it parses the statement ('03/04/2024'::date under DateStyle DMY is 3 April,
// and stays so after SET DateStyle = MDY); a server that lacks the statement gets it from pgway
// later, when the client's settings may have changed. There the Parse runs between two calls of
// pgway's setter statement, the first with the settings of the client's parse, the second with the
// client's settings now. set_config(…, true) lasts to the end of the transaction at most, so an error
// anywhere in the batch leaves nothing behind; the second call makes the values equal to those
// already reported, so the client gets no ParameterStatus for any of this.
internal sealed partial class RequestRewriter
{
    // A portal name the client's own portals are unlikely to take; closed again right after its run.
    private static readonly byte[] SetterPortal = "pgway_parse_context\0"u8.ToArray();

    // pgway's setter statement, acquired the first time this client needs it; one reference held until the session ends.
    private SharedStatement? contextSetter;

    // pgway's reader of the literal settings, likewise; and whether it was asked for the message held now.
    private SharedStatement? contextReader;
    private bool contextAsked;

    // The client's parse context now. After an Execute of its own in this batch (a set_config that
    // PostgreSQL reports only at the batch's end), the literal settings come from pgway's reader, asked
    // for ahead of the message (AskContextIfUnknown); otherwise from what the client was last told.
    private string CurrentContext()
    {
        var told = parseContext!();
        return contextAsked && tracker.CapturedLiterals is { } read ? ParseContextFormat.WithLiterals(told, read) : told;
    }

    // A request of the client's still unanswered may change its settings (a pipelined SET): the server
    // has the new values, pgway learns them only with those answers. Not inside a COPY FROM STDIN the
    // server waits in: nothing is answered there until the client's data ends (a message held for it
    // would wait for ever; sent, the server fails the COPY, as PostgreSQL does).
    private bool SettingsMayChange => tracker.SettingsUnsettled && !tracker.ClientInCopyIn;

    // Before a message that needs the client's settings now (a named Parse, whose statement is known by
    // them; a statement made on a server under the settings it was parsed with): after an Execute of the
    // client's in this batch (answered or not), pgway's reader runs there first (its row taken out of the
    // answers), and the message waits for it (true). Where a server's cache cannot hold the reader
    // beside the statement, the settings the client was last told are taken.
    private bool AskContextIfUnknown()
    {
        if (parseContext is null || contextAsked || capacity < 2 || !executeSinceSync)
        {
            return false;
        }
        var server = tracker.Server!;
        var reader = contextReader ??= registry.Acquire(ParseContextFormat.ReaderDefinition);
        if (!server.Touch(reader))
        {
            Prepare(reader, server, CompletionHandling.Skip);
        }
        tracker.CapturedLiterals = null;
        RunInOwnPortal(reader, [], CompletionHandling.Capture);
        // The server answers a batch's messages at its Sync, or when asked to flush.
        FrontendMessages.Flush(replacement);
        contextAsked = true;
        AwaitingLearn = true;
        return true;
    }

    // Before the Parse of `statement` on `server`: its parse settings set there if they differ from
    // the client's now. Returns the client's values to set back after the Parse, or null when nothing
    // was set. Where a server's cache holds fewer than two statements, the setter and the statement
    // cannot both stay, and the statement is made under the current settings.
    private string?[]? EnterParseContext(SharedStatement statement, ServerStatements server) =>
        EnterParseContext(statement.ParseContext, server);

    private string?[]? EnterParseContext(string parsedUnder, ServerStatements server)
    {
        if (parseContext is null || capacity < 2 || parsedUnder.Length == 0 || InFailedTransaction?.Invoke() == true)
        {
            // (In a failed transaction block the setter would fail, and the Parse too unless it is a
            // ROLLBACK or COMMIT, whose meaning no setting changes.)
            return null;
        }
        var now = CurrentContext();
        if (string.Equals(now, parsedUnder, StringComparison.Ordinal)
            || ParseContextFormat.LiteralValues(parsedUnder) is not { } then
            || ParseContextFormat.LiteralValues(now) is not { } current)
        {
            return null;
        }
        var differs = false;
        for (var i = 0; i < then.Length; i++)
        {
            if (then[i] is null || string.Equals(then[i], current[i], StringComparison.Ordinal))
            {
                // Not known then (made under the value it has now), or the same: left as it is.
                then[i] = null;
                current[i] = null;
            }
            else if (current[i] is null)
            {
                // The value now is not known: it could not be set back.
                return null;
            }
            else
            {
                differs = true;
            }
        }
        if (!differs)
        {
            return null;
        }
        var setter = contextSetter ??= registry.Acquire(ParseContextFormat.SetterDefinition);
        // Touched (or added) last: the statement's own Parse pushes out another one, never the setter.
        if (!server.Touch(setter))
        {
            Prepare(setter, server, CompletionHandling.Skip);
        }
        RunSetter(setter, then);
        return current;
    }

    // A Bind, Execute and Close of the setter with `values` (null: left as it is), none of their
    // answers for the client.
    private void RunSetter(SharedStatement setter, string?[] values) => RunInOwnPortal(setter, values, CompletionHandling.Skip);

    // A Bind of `statement` with `values` into pgway's own portal, its Execute (whose answer is handled
    // as `execution` says) and the portal's Close; the client sees none of their answers.
    private void RunInOwnPortal(SharedStatement statement, string?[] values, CompletionHandling execution)
    {
        var length = 4 + SetterPortal.Length + statement.ServerNameBytes.Length + 2 + 2 + 2;
        foreach (var value in values)
        {
            length += 4 + (value is null ? 0 : Encoding.UTF8.GetByteCount(value));
        }
        WriteHeader((byte)FrontendMessageCode.Bind, length);
        replacement.Append(SetterPortal);
        replacement.Append(statement.ServerNameBytes);
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt16BigEndian(number, 0);
        replacement.Append(number[..2]);
        BinaryPrimitives.WriteInt16BigEndian(number, (short)values.Length);
        replacement.Append(number[..2]);
        foreach (var value in values)
        {
            if (value is null)
            {
                BinaryPrimitives.WriteInt32BigEndian(number, -1);
                replacement.Append(number);
                continue;
            }
            var bytes = Encoding.UTF8.GetBytes(value);
            BinaryPrimitives.WriteInt32BigEndian(number, bytes.Length);
            replacement.Append(number);
            replacement.Append(bytes);
        }
        BinaryPrimitives.WriteInt16BigEndian(number, 0);
        replacement.Append(number[..2]);
        tracker.Expect(new(RequestKind.Bind, CompletionHandling.Skip, statement));

        WriteHeader((byte)FrontendMessageCode.Execute, 4 + SetterPortal.Length + 4);
        replacement.Append(SetterPortal);
        BinaryPrimitives.WriteInt32BigEndian(number, 0);
        replacement.Append(number);
        tracker.Expect(new(RequestKind.Execute, execution));

        WriteHeader((byte)FrontendMessageCode.Close, 4 + 1 + SetterPortal.Length);
        replacement.Append("P"u8);
        replacement.Append(SetterPortal);
        tracker.Expect(new(RequestKind.Close, CompletionHandling.Skip));
    }
}
