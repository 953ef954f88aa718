using System.Buffers.Binary;
using Pgway.Protocol;

namespace Pgway.Pooling.PreparedStatements;

// The client's unnamed statement in transaction and statement modes: PostgreSQL keeps it across
// Syncs until the next unnamed Parse or simple Query, so a client may Bind it in a later transaction,
// on a server where another client's unnamed statement stands. Its last unnamed Parse is kept (up to
// MaxUnnamedDefinition) and made again there first; without one, the server's is closed, so the Bind
// fails as it would on PostgreSQL.
internal sealed partial class RequestRewriter
{
    // The client's unnamed statement as the server it holds has it: made there by this client's
    // latest unnamed Parse, which nothing has dropped since.
    private bool OwnsServerUnnamed() =>
        tracker.Unnamed is not { } slot || (slot.Owner == this && slot.Generation == unnamedGeneration);

    // A Bind or Describe of the unnamed statement behind an unnamed Parse of an earlier batch still
    // unanswered (the client's, or pgway's making it again): an error before that Parse skips it, and
    // the statement the server then has (the client's earlier one, or another client's) is known only
    // from the answers (seed 9003241). Held until they are in (true); handled afresh.
    private bool HoldForUnnamedParse()
    {
        if (!tracker.UnnamedParseUnansweredBeforeSync())
        {
            return false;
        }
        heldForParse = true;
        AwaitingLearn = true;
        return true;
    }

    // Before a Bind or Describe of the unnamed statement on a server that lacks the client's: its
    // Parse again, or, when the client has none (or one too long to keep), a Close of the server's,
    // so the server answers as PostgreSQL would ("unnamed prepared statement does not exist").
    // Under the settings the client parsed it with, where those are known (RequestRewriter.ParseContext.cs).
    private void EnsureUnnamed()
    {
        if (hasUnnamed && !unnamedTooLong)
        {
            var restore = unnamedContext is null ? null : EnterParseContext(unnamedContext, tracker.Server!);
            WriteHeader((byte)FrontendMessageCode.Parse, 4 + 1 + unnamedDefinition.Length);
            replacement.Append([0]);
            replacement.Append(unnamedDefinition.Written.Span);
            tracker.Expect(new(RequestKind.Parse, CompletionHandling.Skip));
            tracker.Unnamed!.Owner = this;
            tracker.Unnamed.Generation = unnamedGeneration;
            if (restore is not null)
            {
                RunSetter(contextSetter!, restore);
            }
            return;
        }
        WriteHeader((byte)FrontendMessageCode.Close, 4 + 2);
        replacement.Append("S\0"u8);
        tracker.Expect(new(RequestKind.Close, CompletionHandling.Skip));
        tracker.Unnamed!.Owner = null;
    }

    // Before the client's unnamed statement is made again on this server under the settings it was
    // parsed with: the client's settings now must be known to set them back after. A request still
    // unanswered may change them (a pipelined SET): held until it is answered (true), as a named
    // statement's Bind is (HoldForUnsettledSettings); after an Execute in this batch, pgway's reader asks.
    private bool HoldForUnnamedContext()
    {
        if (!hasUnnamed || unnamedTooLong || unnamedContext is null || parseContext is null || capacity < 2)
        {
            return false;
        }
        if (SettingsMayChange)
        {
            heldForSettings = true;
            AwaitingLearn = true;
            return true;
        }
        return AskContextIfUnknown();
    }

    // The client's settings at an unnamed Parse going to the server now; null when a request of the
    // client's still unanswered (an earlier batch's, or an Execute in this one) may have changed them:
    // the server parses under those, which pgway does not know yet. An unnamed Parse is not held for
    // them, as a named one is: it comes with nearly every extended-protocol query, and holding it would
    // undo a client's pipelining. (Made again on another server, such a statement is parsed under the
    // client's settings of that moment.)
    private string? UnnamedContextNow() =>
        // The flag first: a batch of many Executes and no Sync would otherwise scan the requests unanswered at each Parse.
        parseContext is null || capacity < 2 || executeSinceSync || tracker.SettingsUnsettled ? null : CurrentContext();

    // A client's unnamed Parse, going to the server: from now on the unnamed statement there is this
    // one, and its definition is kept as it passes, with the settings it is parsed under.
    private void BeginUnnamed()
    {
        (hadUnnamed, hasUnnamed) = (hasUnnamed && !unnamedTooLong, true);
        previousUnnamedContext = hadUnnamed ? unnamedContext : null;
        unnamedContext = UnnamedContextNow();
        if (hadUnnamed)
        {
            // Kept by swapping the buffers, not by copying the definition: one Parse per
            // transaction on the extended protocol would otherwise copy its text twice.
            (previousUnnamed, unnamedDefinition) = (unnamedDefinition, previousUnnamed);
        }
        // Its array stays for the next definition (rented once, not once per Parse).
        unnamedDefinition.Clear();
        unnamedTooLong = false;
        capturingUnnamed = true;
        unnamedGeneration++;
        if (tracker.Unnamed is { } slot)
        {
            slot.Owner = this;
            slot.Generation = unnamedGeneration;
        }
    }

    private void CaptureUnnamed(ReadOnlySpan<byte> part, bool last)
    {
        if (!unnamedTooLong && unnamedDefinition.Length + part.Length <= MaxUnnamedDefinition)
        {
            unnamedDefinition.Append(part);
        }
        else
        {
            unnamedTooLong = true;
            unnamedDefinition.Reset();
        }
        capturingUnnamed = !last;
    }

    // The client's unnamed Parse did not prepare: failed itself (no unnamed statement now, as
    // PostgreSQL drops the old one first), or skipped after an error (the one before stays, though
    // the server may not have it).
    private void UnnamedParseEnded(bool failedItself, long generation)
    {
        if (generation != unnamedGeneration)
        {
            // A later unnamed Parse of the client's already stands in its place.
            return;
        }
        if (tracker.Unnamed is { } slot && slot.Owner == this)
        {
            slot.Owner = null;
        }
        hasUnnamed = !failedItself && hadUnnamed;
        unnamedDefinition.Reset();
        unnamedContext = hasUnnamed ? previousUnnamedContext : null;
        if (hasUnnamed)
        {
            unnamedDefinition.Append(previousUnnamed.Written.Span);
        }
    }

    // A simple Query or an unnamed Close: no unnamed statement on the server any more.
    private void NoUnnamed()
    {
        if (tracker.Unnamed is { } slot)
        {
            slot.Owner = null;
        }
        if (sharedServers)
        {
            hasUnnamed = false;
        }
    }

    // A Parse in a failed transaction block, of a statement the server has: an unnamed Parse goes in
    // its place, which the server refuses with 25P02 as it would the client's (it drops the server's
    // unnamed statement first, which is followed); the client's names stay as they were.
    private void FailInAbortedTransaction()
    {
        WriteHeader((byte)FrontendMessageCode.Parse, 4 + 1 + FailingQuery.Length + 2);
        replacement.Append([0]);
        replacement.Append(FailingQuery);
        replacement.Append([0, 0]);
        tracker.Expect(new(RequestKind.Parse, CompletionHandling.Forward));
        if (tracker.Unnamed is { } slot)
        {
            slot.Owner = null;
        }
    }

    private static ReadOnlySpan<byte> FailingQuery => "SELECT 1\0"u8;
}
