namespace Pgway.Pooling;

/// <summary>A server refused the log-in (its ErrorResponse), or pgway could not answer its challenge.</summary>
public sealed class ServerLoginException(string sqlState, string message) : Exception(message)
{
    public string SqlState { get; } = sqlState;
}
