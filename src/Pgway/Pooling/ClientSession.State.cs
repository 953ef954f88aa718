using Microsoft.Extensions.Logging;

namespace Pgway.Pooling;

// The session's one state (see ClientState), moved only by MoveTo: a move the table does not allow
// means the session's idea of itself is wrong (a server about to be released while a request is
// still being written to it, say), so it is logged and the session ends there, never carried on.
internal sealed partial class ClientSession
{
    private ClientStateMachine status;

    private ClientState State => status.State;

    // Ending: every loop of the session stops at its next look.
    private bool Ended => status.State == ClientState.Ending;

    // True when the session is now in next; false when the move was refused: the session is ending.
    private bool MoveTo(ClientState next)
    {
        if (status.TryMove(next, out var from))
        {
            return true;
        }
        LogImpossibleMove(pooler.Logger, Id, from, next);
        reason ??= DisconnectReason.InternalError;
        status.TryMove(ClientState.Ending, out _);
        client?.CancelWaits();
        server?.CancelWaits();
        return false;
    }

    // A step of the session's own course (logged in, say): false when the session ended meanwhile
    // (an expiry, pgway stopping, posted while it awaited something) or the move was refused.
    private bool Advance(ClientState next) => !Ended && MoveTo(next);

    // The session ends (pgway stopping, a kill, an expiry, a server lost): always allowed.
    private void End() => MoveTo(ClientState.Ending);

    // A server is the client's now. During log-in (the first client of a pool waits for one to learn
    // the greeting) the session stays LoggingIn: it is not a client of the pool yet.
    private void OnServerLinked()
    {
        if (State is not (ClientState.LoggingIn or ClientState.Ending))
        {
            MoveTo(ClientState.Active);
        }
    }

    // The client's server went back to the pool or was closed.
    private void OnServerUnlinked()
    {
        // Whatever pgway's own exchange with that server left unanswered goes with it (a cancel held for its end too).
        talkingToServer = false;
        cancelAfterExchange = false;
        if (State is not (ClientState.LoggingIn or ClientState.Ending))
        {
            MoveTo(ClientState.Idle);
        }
    }

    // The client's bytes are being written to its server: until EndSending, the server stays the client's.
    // A session ending meanwhile stays Ending; the write goes on, and the session ends after it.
    private void BeginSending()
    {
        if (!Ended)
        {
            MoveTo(ClientState.Sending);
        }
    }

    private void EndSending()
    {
        if (!Ended)
        {
            MoveTo(ClientState.Active);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "pooler: session {Session}: impossible state change from {From} to {To}; ending the session")]
    private static partial void LogImpossibleMove(ILogger logger, long session, ClientState from, ClientState to);
}
