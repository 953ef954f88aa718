using Pgway.Protocol;

namespace Pgway.Pooling;

/// <summary>
/// What a client has sent, as far as pooling cares: how many requests await a ReadyForQuery (one per
/// Query and per Sync), whether an extended-protocol batch is under way without its Sync yet, and
/// whether it said goodbye (Terminate).
/// </summary>
internal sealed class ClientTraffic : IMessageObserver
{
    private MessageScanner scanner;

    /// <summary>Requests sent whose ReadyForQuery has not come back yet.</summary>
    public int Outstanding { get; set; }

    /// <summary>Parse, Bind, Execute… sent since the last Sync: the server is bound to this client until it.</summary>
    public bool BatchOpen { get; private set; }

    public bool Terminated { get; private set; }

    /// <summary>
    /// The server is in COPY FROM STDIN (it sent CopyInResponse, not yet its end): PostgreSQL
    /// ignores a Sync then, and libpq sends one before the data and one after CopyDone.
    /// </summary>
    public bool ServerCopyingIn { get; set; }

    /// <summary>No message is half read.</summary>
    public bool AtMessageBoundary => scanner.AtBoundary;

    /// <summary>Nothing sent is unanswered, no batch is open, and no message is half sent.</summary>
    public bool Idle => Outstanding == 0 && !BatchOpen && scanner.AtBoundary;

    public string? Scan(ReadOnlySpan<byte> data) => scanner.Scan(data, MessageHeader.LargeMessageLimit, this);

    public bool OnMessage(byte type, int bodyLength)
    {
        switch ((FrontendMessageCode)type)
        {
            case FrontendMessageCode.Sync when ServerCopyingIn:
                break;
            case FrontendMessageCode.Query or FrontendMessageCode.Sync:
                Outstanding++;
                BatchOpen = false;
                break;
            case FrontendMessageCode.Terminate:
                Terminated = true;
                break;
            case FrontendMessageCode.CopyData or FrontendMessageCode.CopyDone or FrontendMessageCode.CopyFail:
                // Part of the COPY its Query (or Execute) began, answered by that request's
                // ReadyForQuery: no batch of its own.
                break;
            default:
                BatchOpen = true;
                break;
        }
        return false;
    }

    public void OnBody(ReadOnlySpan<byte> part, bool last)
    {
    }
}
