namespace Pgway.Pooling;

/// <summary>A server refused the log-in (its ErrorResponse), or pgway could not answer its challenge or get a server.</summary>
internal sealed class ServerLoginException(string sqlState, string message, DisconnectReason reason = DisconnectReason.ServerLoginFailed) : Exception(message)
{
    public string SqlState { get; } = sqlState;

    /// <summary>Why the client is disconnected when this ends its session.</summary>
    public DisconnectReason Reason { get; } = reason;
}
