using Pgway.Protocol;

namespace Pgway.Pooling;

/// <summary>
/// What a client has sent, as far as pooling cares: how many requests await a ReadyForQuery (one per
/// Query, FunctionCall and Sync, less those the server will never answer, which the request tracker
/// takes off), whether an extended-protocol batch is under way without its Sync yet, and whether it
/// said goodbye (Terminate), and where in the last read that goodbye starts.
/// </summary>
internal sealed class ClientTraffic : IMessageObserver
{
    private MessageScanner scanner;
    // Where, in the read being scanned, the next message's header starts.
    private int nextHeader;
    // The body being read is a Query's (a Parse's RESET runs later, at its Execute).
    private bool queryBody;

    /// <summary>Requests sent whose ReadyForQuery has not come back yet.</summary>
    public int Outstanding { get; set; }

    /// <summary>
    /// Parse, Bind, Describe, Execute or Close sent since the last Sync (or Query, or FunctionCall):
    /// the server holds an implicit transaction or an unnamed statement or portal for this client
    /// until the Sync, so it is bound to this client until then.
    /// </summary>
    public bool BatchOpen { get; private set; }

    public bool Terminated { get; private set; }

    /// <summary>What the texts of the client's Query and Parse messages say that pooling must notice.</summary>
    public StatementWords Words { get; } = new();

    /// <summary>
    /// Where in the read last scanned the Terminate starts: what comes before it is the client's last
    /// word, to be run. Negative when its first bytes came in an earlier read.
    /// </summary>
    public int TerminateAt { get; private set; }

    /// <summary>
    /// The server is in COPY FROM STDIN (it sent CopyInResponse, not yet its end): a server lost now
    /// cannot be explained to the client in step.
    /// </summary>
    public bool ServerCopyingIn { get; set; }

    /// <summary>No message is half read.</summary>
    public bool AtMessageBoundary => scanner.AtBoundary;

    /// <summary>Nothing sent is unanswered, no batch is open, and no message is half sent.</summary>
    public bool Idle => Outstanding == 0 && !BatchOpen && scanner.AtBoundary;

    /// <summary>
    /// Stop a scan right after a Query whose text holds a RESET or DISCARD (when more follows in the
    /// read): what follows must wait until the client's start-up values are back on the server.
    /// </summary>
    public bool StopAfterReset { get; set; }

    /// <summary>How many bytes of the read the last scan took: all, unless it stopped after a RESET or DISCARD.</summary>
    public int Scanned { get; private set; }

    public string? Scan(ReadOnlySpan<byte> data)
    {
        nextHeader = scanner.NextHeaderOffset;
        // PostgreSQL's bound per type: only a query, its values or COPY data may be large.
        var error = scanner.Scan(data, default(FrontendMessageLimits), this, out var scanned);
        Scanned = scanned;
        return error;
    }

    public bool OnMessage(byte type, int bodyLength)
    {
        var start = nextHeader;
        nextHeader = start + MessageHeader.Size + bodyLength;
        if (Terminated)
        {
            // PostgreSQL reads nothing after a Terminate.
            return false;
        }
        switch ((FrontendMessageCode)type)
        {
            case FrontendMessageCode.Query or FrontendMessageCode.Sync or FrontendMessageCode.FunctionCall:
                // Each answered by its own ReadyForQuery (the tracker takes off those the server skips).
                Outstanding++;
                BatchOpen = false;
                queryBody = type == (byte)FrontendMessageCode.Query;
                return queryBody;
            case FrontendMessageCode.Terminate:
                Terminated = true;
                TerminateAt = start;
                break;
            case FrontendMessageCode.Flush or FrontendMessageCode.CopyData or FrontendMessageCode.CopyDone or FrontendMessageCode.CopyFail:
                // A Flush asks for nothing to be kept; COPY data and its end belong to the request that began the COPY.
                break;
            default:
                BatchOpen = true;
                queryBody = false;
                return type == (byte)FrontendMessageCode.Parse;
        }
        return false;
    }

    public bool OnBody(ReadOnlySpan<byte> part, bool last)
    {
        Words.Body(part, last);
        return last && StopAfterReset && queryBody && Words.BodyHasReset;
    }
}
