using System.Buffers;
using Pgway.Protocol;

namespace Pgway.Pooling.PreparedStatements;

// A prepared statement's result type never changes for its client, as PostgreSQL promises: where a
// client holds a description of its statement, the description the statement has on the server it
// now holds is compared with it first (asked for, with the client's message held back, when not
// known); a change makes the client's Bind or Describe fail with 0A000 — on the server, so the batch
// and a transaction block fail there too.
internal sealed partial class RequestRewriter
{
    // Sent in place of a Bind or Describe of a statement whose result type changed: a Parse that
    // fails on every server, so the server skips the rest of the batch and aborts a transaction
    // block exactly as PostgreSQL would for the client's message. Named, so the server's unnamed
    // statement is left alone, and never stored (it fails first). Its failure tells the state the
    // client's message met, as PostgreSQL's answer to it would: inside a failed transaction block,
    // 25P02 (a Parse is refused there before it is analysed, as the Bind or Describe of a statement
    // returning rows is refused before its plan is checked), passed on; otherwise 42703 from the
    // analysis, which the client gets as 0A000 (see ResponseTracker).
    private static readonly byte[] PlanChangedParse = MakePlanChangedParse();

    private static byte[] MakePlanChangedParse()
    {
        var output = new ArrayBufferWriter<byte>();
        FrontendMessages.Parse(output, "pgway_result_type_changed", "SELECT pgway_result_type_changed");
        return output.WrittenSpan.ToArray();
    }

    // Right after a client's named Parse sent to the server: a Describe of it, answered to pgway
    // alone, so that the client's statement keeps the result type it had when parsed even if the
    // client never asks (PostgreSQL fixes it then). Nothing waits on the answer: it comes before the
    // batch's ReadyForQuery, so before the client can be given another server. One small message
    // each way per client Parse the server really prepares.
    private void RecordResultType(ClientStatement client)
    {
        var statement = client.Statement;
        WriteHeader((byte)FrontendMessageCode.Describe, 4 + 1 + statement.ServerNameBytes.Length);
        replacement.Append("S"u8);
        replacement.Append(statement.ServerNameBytes);
        tracker.Expect(new(RequestKind.Describe, CompletionHandling.Record, statement, Client: client));
    }

    // Before a client's statement is made on a server that lacks it: an earlier request still unanswered
    // may change the settings it is made under (a pipelined SET DateStyle). The server has the new value
    // already; pgway learns it only with those answers, and, taking the value it knew for the client's
    // now, set nothing around the Parse: a date literal parsed MDY was read DMY (seed 54028375). Held
    // until they are answered (true); handled afresh.
    private bool HoldForUnsettledSettings(SharedStatement statement)
    {
        if (parseContext is null || capacity < 2 || statement.ParseContext.Length == 0 || !SettingsMayChange)
        {
            return false;
        }
        heldForSettings = true;
        AwaitingLearn = true;
        return true;
    }

    // Before a Bind or Describe of a client's statement: the statement made on the server if missing
    // there (once an earlier batch's Parse of it is answered, so that pgway knows); and where the
    // client holds a description, the server's compared with it (asked for first, the message held
    // back, when not known). False while the message waits for one of those answers.
    private bool CheckResultType(ClientStatement client)
    {
        var statement = client.Statement;
        var server = tracker.Server!;
        var prepared = server.Touch(statement);
        if (prepared && !server.IsConfirmed(statement) && tracker.ParseUnansweredBeforeSync(statement))
        {
            // Prepared by a Parse in an earlier batch still unanswered: an error before it in that batch
            // skips it, and the statement is missing here. Held until that batch is answered; handled afresh.
            heldForParse = true;
            AwaitingLearn = true;
            return false;
        }
        if (!prepared && !client.Stale && HoldForUnsettledSettings(statement))
        {
            return false;
        }
        if (!prepared && !client.Stale && statement.ParseContext.Length > 0 && AskContextIfUnknown())
        {
            // To be made here under the settings it was parsed with, and set back to the client's after:
            // those are read first.
            return false;
        }
        if (client.Stale || client.Shape is not { } given)
        {
            if (!prepared && !client.Stale)
            {
                Prepare(statement, server, CompletionHandling.Skip);
            }
            return true;
        }
        if (server.ShapeOf(statement) is { } known)
        {
            var same = known.AsSpan().SequenceEqual(given);
            if (same || learnAsked)
            {
                client.Stale = !same;
                return true;
            }
            if (HoldForUnsettledSettings(statement) || (statement.ParseContext.Length > 0 && AskContextIfUnknown()))
            {
                return false;
            }
            // The server's description may be the older one (it kept a plan from before the change):
            // the statement is made afresh there and asked again; that answer decides.
            WriteClose(statement);
            server.Remove(statement);
            prepared = false;
        }
        if (learnAsked)
        {
            // Asked, and not told (the server skipped the Describe after an error): it goes on, and
            // the server skips it too.
            return true;
        }
        if (!prepared)
        {
            Prepare(statement, server, CompletionHandling.Skip);
        }
        WriteHeader((byte)FrontendMessageCode.Describe, 4 + 1 + statement.ServerNameBytes.Length);
        replacement.Append("S"u8);
        replacement.Append(statement.ServerNameBytes);
        tracker.Expect(new(RequestKind.Describe, CompletionHandling.Learn, statement, Client: client));
        FrontendMessages.Flush(replacement);
        learnAsked = true;
        AwaitingLearn = true;
        return false;
    }
}
