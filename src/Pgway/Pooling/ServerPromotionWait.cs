using System.Buffers;
using System.Buffers.Binary;
using Pgway.Protocol;

namespace Pgway.Pooling;

/// <summary>
/// Holding a new server of a primary service while its postgres is still in recovery. Patroni writes its
/// leader key first and promotes afterwards, so the DCS watch marks the new leader up some 100–300 ms
/// before it takes writes. A server logged in to it meanwhile reports <c>in_hot_standby = on</c>; handed to a
/// waiting client it would fail that client's transaction with "read-only transaction". Instead the
/// server asks <c>pg_is_in_recovery()</c> every <see cref="PollInterval"/> until it is false (within the
/// caller's log-in limit, <c>server_connect_timeout</c>): the waiting client gets a writable server the
/// moment the promotion completes, with no new connection to open then.
/// </summary>
internal static class ServerPromotionWait
{
    /// <summary>How often a standby is asked whether it has left recovery.</summary>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Whether the server said at log-in that it is a hot standby (PostgreSQL 14 and later report it).</summary>
    public static bool IsStandby(ServerLoginResult login)
    {
        ArgumentNullException.ThrowIfNull(login);
        return login.Parameters.TryGetValue("in_hot_standby", out var value) && value == "on";
    }

    /// <summary>
    /// Returns once the server on <paramref name="stream"/> is out of recovery, with <paramref name="login"/>'s
    /// parameters updated by what the server reported meanwhile (<c>in_hot_standby = off</c>).
    /// </summary>
    /// <exception cref="ServerLoginException">The server answered the poll with an error.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended the wait first.</exception>
    /// <param name="afterDelay">Run after each pause, before the next poll: back onto the epoll loop that owns the stream.</param>
    public static async Task<ServerLoginResult> WaitAsync(Stream stream, ServerLoginResult login, TimeProvider time,
        Func<Task>? afterDelay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(login);
        ArgumentNullException.ThrowIfNull(time);
        using var reader = new MessageStreamReader(stream);
        var parameters = new Dictionary<string, string>(login.Parameters, StringComparer.Ordinal);
        var output = new ArrayBufferWriter<byte>();
        while (true)
        {
            FrontendMessages.Query(output, "SELECT pg_is_in_recovery()");
            await stream.WriteAsync(output.WrittenMemory, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            output.ResetWrittenCount();
            if (!await InRecoveryAsync(reader, parameters, cancellationToken))
            {
                return login with { Parameters = parameters };
            }
            await Task.Delay(PollInterval, time, cancellationToken);
            if (afterDelay is not null)
            {
                await afterDelay();
            }
        }
    }

    // Reads one answer up to ReadyForQuery: the value of its single row, and any parameter it reported.
    private static async Task<bool> InRecoveryAsync(MessageStreamReader reader, Dictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        var inRecovery = true;
        while (true)
        {
            var (type, body) = await reader.ReadAsync(MessageHeader.SmallMessageLimit, cancellationToken);
            switch ((BackendMessageCode)type)
            {
                case BackendMessageCode.DataRow when body.Length >= 7 && BinaryPrimitives.ReadInt16BigEndian(body.Span) == 1
                    && BinaryPrimitives.ReadInt32BigEndian(body.Span[2..]) == 1:
                    inRecovery = body.Span[6] == (byte)'t';
                    break;
                case BackendMessageCode.ParameterStatus when ServerTraffic.TryParameter(body.Span, out var name, out var value):
                    parameters[name] = value;
                    break;
                case BackendMessageCode.ErrorResponse:
                    ErrorResponseReader.TryRead(body.Span, out var error);
                    throw new ServerLoginException(error.GetValueOrDefault('C', SqlState.ConnectionFailure),
                        error.GetValueOrDefault('M', "the server failed pgway's recovery check"));
                case BackendMessageCode.ReadyForQuery:
                    return inRecovery;
                default:
                    break;   // RowDescription, CommandComplete, notices
            }
        }
    }
}
