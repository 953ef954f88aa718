using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Pgway.Agent;
using Pgway.Protocol;

namespace Pgway.Pooling;

/// <summary>
/// Pooled clients are never served from a fenced instance (the old primary after a switchover without
/// Patroni, see <see cref="InstanceStatus.FenceSetting"/>): the fence makes it read-only by default, and a
/// client could switch that off for its own session (<c>SET default_transaction_read_only = off</c>, a
/// start-up option, <c>BEGIN READ WRITE</c>…) and write where the writes will be lost. A server that
/// logs in out of recovery yet read-only by default (PostgreSQL 14 and later report both) is asked for
/// the fence once, at log-in; a fenced one is closed and the client refused. Servers of other
/// instances cost nothing more.
/// </summary>
internal static class ServerFenceCheck
{
    /// <summary>Whether the log-in shows a primary that is read-only by default: then it may be fenced.</summary>
    public static bool MayBeFenced(ServerLoginResult login)
    {
        ArgumentNullException.ThrowIfNull(login);
        return login.Parameters.TryGetValue("default_transaction_read_only", out var readOnly) && readOnly == "on"
            && !ServerPromotionWait.IsStandby(login);
    }

    /// <summary>The fence's reason when the server on <paramref name="stream"/> is fenced; null when it is not.</summary>
    /// <exception cref="ServerLoginException">The server answered with an error.</exception>
    public static async Task<string?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var output = new ArrayBufferWriter<byte>();
        FrontendMessages.Query(output, $"SELECT pg_catalog.current_setting('{InstanceStatus.FenceSetting}', true)");
        await stream.WriteAsync(output.WrittenMemory, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        using var reader = new MessageStreamReader(stream);
        string? fence = null;
        while (true)
        {
            var (type, body) = await reader.ReadAsync(MessageHeader.SmallMessageLimit, cancellationToken);
            switch ((BackendMessageCode)type)
            {
                case BackendMessageCode.DataRow when body.Length >= 6 && BinaryPrimitives.ReadInt16BigEndian(body.Span) == 1:
                    var length = BinaryPrimitives.ReadInt32BigEndian(body.Span[2..]);
                    fence = length > 0 && body.Length >= 6 + length ? Encoding.UTF8.GetString(body.Span.Slice(6, length)) : null;
                    break;
                case BackendMessageCode.ErrorResponse:
                    ErrorResponseReader.TryRead(body.Span, out var error);
                    throw new ServerLoginException(error.GetValueOrDefault('C', SqlState.ConnectionFailure),
                        error.GetValueOrDefault('M', "the server failed pgway's fence check"));
                case BackendMessageCode.ReadyForQuery:
                    return fence;
                default:
                    break;   // RowDescription, CommandComplete, notices
            }
        }
    }
}
