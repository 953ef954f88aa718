namespace Pgway.Pooling;

/// <summary>
/// A client session's <see cref="ClientState"/> and the two facts the timeout sweep needs besides it
/// (a request awaits its answer; the client's server is inside a transaction), in one word: the
/// sweep reads it from its timer thread in one volatile read, so it never sees one fact of a moment
/// and another of the next. Written only on the session's loop thread (a single writer), read from
/// any thread.
/// </summary>
internal struct ClientStateMachine
{
    private const int StateMask = 0xFF;
    private const int AwaitingAnswerBit = 0x100;
    private const int InTransactionBit = 0x200;

    private int word;

    /// <summary>The state now.</summary>
    public ClientState State => (ClientState)(Volatile.Read(ref word) & StateMask);

    /// <summary>The state and the sweep's facts, as one consistent reading.</summary>
    public ClientStateReading Read()
    {
        var now = Volatile.Read(ref word);
        return new ClientStateReading((ClientState)(now & StateMask), (now & AwaitingAnswerBit) != 0, (now & InTransactionBit) != 0);
    }

    /// <summary>
    /// Moves to <paramref name="next"/> when the move is one a client can make from where it is;
    /// false (and nothing changed) otherwise, <paramref name="from"/> saying where it was.
    /// </summary>
    public bool TryMove(ClientState next, out ClientState from)
    {
        var now = Volatile.Read(ref word);
        from = (ClientState)(now & StateMask);
        if (!IsAllowed(from, next))
        {
            return false;
        }
        Volatile.Write(ref word, (now & ~StateMask) | (int)next);
        return true;
    }

    /// <summary>Records the sweep's facts: whether a request awaits its answer, whether the server is in a transaction.</summary>
    public void Note(bool awaitingAnswer, bool inTransaction)
    {
        var now = Volatile.Read(ref word);
        var facts = (awaitingAnswer ? AwaitingAnswerBit : 0) | (inTransaction ? InTransactionBit : 0);
        var next = (now & StateMask) | facts;
        if (next != now)
        {
            Volatile.Write(ref word, next);
        }
    }

    /// <summary>Whether a client in <paramref name="from"/> may move to <paramref name="to"/>.</summary>
    public static bool IsAllowed(ClientState from, ClientState to) =>
        (uint)from < (uint)Moves.Length && (Moves[(int)from] & (1 << (int)to)) != 0;

    // Row: from; bit: to. Ending is reachable from everywhere and repeats harmlessly (several causes
    // may end a session at once: a stop, a kill, the client leaving); nothing leaves it. A client
    // still waiting asks again (its server was retired as it was handed over). Constants
    // only, so the table is data in the assembly, not an array made at each look-up.
    private static ReadOnlySpan<ushort> Moves =>
    [
        /* Connecting       */ ToLoggingIn | ToEnding,
        /* LoggingIn        */ ToIdle | ToActive | ToConsole | ToEnding,
        /* Idle             */ ToWaitingForServer | ToActive | ToEnding,
        /* WaitingForServer */ ToWaitingForServer | ToActive | ToIdle | ToEnding,
        /* Active           */ ToSending | ToIdle | ToEnding,
        /* Sending          */ ToActive | ToEnding,
        /* Console          */ ToEnding,
        /* Ending           */ ToEnding,
    ];

    private const ushort ToLoggingIn = 1 << (int)ClientState.LoggingIn;
    private const ushort ToIdle = 1 << (int)ClientState.Idle;
    private const ushort ToWaitingForServer = 1 << (int)ClientState.WaitingForServer;
    private const ushort ToActive = 1 << (int)ClientState.Active;
    private const ushort ToSending = 1 << (int)ClientState.Sending;
    private const ushort ToConsole = 1 << (int)ClientState.Console;
    private const ushort ToEnding = 1 << (int)ClientState.Ending;
}
