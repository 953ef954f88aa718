using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Pgway.Protocol;

/// <summary>
/// Writes an ErrorResponse ('E'): what a client receives instead of a bare reset when pgway
/// itself refuses it, so drivers show a SQLSTATE and a message people can act on.
/// </summary>
public static class ErrorResponseWriter
{
    // Field type bytes: S localized severity, V non-localized severity (9.6+), C code, M message.
    private const byte SeverityField = (byte)'S';
    private const byte SeverityNonLocalizedField = (byte)'V';
    private const byte CodeField = (byte)'C';
    private const byte MessageField = (byte)'M';
    private const byte DetailField = (byte)'D';

    public static void Write(IBufferWriter<byte> output, ErrorSeverity severity, string sqlState, string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(sqlState);
        var severityText = severity switch
        {
            ErrorSeverity.Error => "ERROR",
            ErrorSeverity.Fatal => "FATAL",
            _ => "PANIC",
        };
        var encoding = Encoding.UTF8;
        var bodyLength =
            (1 + severityText.Length + 1) * 2 +
            1 + encoding.GetByteCount(sqlState) + 1 +
            1 + encoding.GetByteCount(message) + 1 +
            1;
        var total = 1 + 4 + bodyLength;
        var span = output.GetSpan(total);
        span[0] = (byte)BackendMessageCode.ErrorResponse;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], 4 + bodyLength);
        var at = 5;
        at += Field(span[at..], SeverityField, severityText);
        at += Field(span[at..], SeverityNonLocalizedField, severityText);
        at += Field(span[at..], CodeField, sqlState);
        at += Field(span[at..], MessageField, message);
        span[at++] = 0;
        output.Advance(at);
    }

    /// <summary>A NoticeResponse ('N', severity NOTICE, SQLSTATE 00000) with a message and a detail: PgBouncer's answer to <c>SHOW HELP</c>.</summary>
    public static void WriteNotice(IBufferWriter<byte> output, string message, string detail)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(detail);
        const string severity = "NOTICE";
        const string code = "00000";
        var encoding = Encoding.UTF8;
        var bodyLength = (1 + severity.Length + 1) * 2 + 1 + code.Length + 1
            + 1 + encoding.GetByteCount(message) + 1 + 1 + encoding.GetByteCount(detail) + 1 + 1;
        var span = output.GetSpan(5 + bodyLength);
        span[0] = (byte)BackendMessageCode.NoticeResponse;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], 4 + bodyLength);
        var at = 5;
        at += Field(span[at..], SeverityField, severity);
        at += Field(span[at..], SeverityNonLocalizedField, severity);
        at += Field(span[at..], CodeField, code);
        at += Field(span[at..], MessageField, message);
        at += Field(span[at..], DetailField, detail);
        span[at++] = 0;
        output.Advance(at);
    }

    private static int Field(Span<byte> span, byte type, string value)
    {
        span[0] = type;
        var written = Encoding.UTF8.GetBytes(value, span[1..]);
        span[1 + written] = 0;
        return written + 2;
    }
}
