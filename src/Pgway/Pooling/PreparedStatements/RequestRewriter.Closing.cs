using System.Text;

namespace Pgway.Pooling.PreparedStatements;

// Names the client closed: kept until the server answers the Close, since an error earlier in the
// batch would skip it and the name would stay.
internal sealed partial class RequestRewriter
{
    // A client's Close answered: the reference its name held goes (the name went when the Close was sent).
    private void ForgetClosed(string name, ClientStatement closed)
    {
        Settled(name, closed);
        registry.Release(closed.Statement);
    }

    private void Settled(string name, ClientStatement closed)
    {
        if (closing.TryGetValue(name, out var pending) && pending.Closed == closed)
        {
            closing.Remove(name);
        }
    }

    // A message after a Sync naming a statement whose Close is not settled yet: held (true) until it is.
    private bool HoldForClose(ReadOnlySpan<byte> name)
    {
        if (closing.Count == 0)
        {
            return false;
        }
        var text = Encoding.UTF8.GetString(name);
        if (!closing.TryGetValue(text, out var pending) || !pending.PastSync || names.ContainsKey(text))
        {
            return false;
        }
        heldForClose = text;
        AwaitingLearn = true;
        return true;
    }

    /// <summary>The message held back still waits: for a description asked, a Close to be settled, or requests that may change the settings a Parse is made under.</summary>
    /// <remarks>
    /// A held Parse waits for the earlier batches only: the messages of its own batch sent ahead of it
    /// are answered at that batch's Sync, which comes after the Parse, so waiting for them would never end.
    /// </remarks>
    public bool StillHolding => tracker.PendingLearns > 0 || (heldForClose is { } name && closing.ContainsKey(name)) || (heldForParse && tracker.AwaitsReady)
        || (heldForSettings && SettingsMayChange);

    // A client's Close skipped after an error: the name is the client's again, unless it prepared it
    // anew since, or the Parse that made it was skipped too (Parse, Close, an error before both).
    private void KeepClosed(string name, ClientStatement closed)
    {
        Settled(name, closed);
        if (closed.NeverPrepared || names.ContainsKey(name))
        {
            registry.Release(closed.Statement);
            return;
        }
        AddName(name, closed);
    }

    // A Parse of the client's failed (or was skipped after an error): the name is not the client's after all.
    private void ForgetFailed(string name, SharedStatement statement)
    {
        if (names.TryGetValue(name, out var current) && current.Statement == statement)
        {
            RemoveName(name);
            registry.Release(statement);
        }
        else if (closing.TryGetValue(name, out var pending) && pending.Closed.Statement == statement)
        {
            // Closed after the failed Parse, in the same batch: the Close, skipped too, must not bring it back.
            pending.Closed.NeverPrepared = true;
        }
    }
}
