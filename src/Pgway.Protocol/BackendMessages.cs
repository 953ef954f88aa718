using System.Buffers;

namespace Pgway.Protocol;

/// <summary>
/// The backend messages pgway writes itself (as a pooler, it is the server its clients log in to):
/// authentication requests, the session's parameters and key, ReadyForQuery, and the results of the
/// admin console's commands. ErrorResponse and NoticeResponse have their own writer (<see cref="ErrorResponseWriter"/>).
/// </summary>
public static class BackendMessages
{
    public static void AuthenticationOk(IBufferWriter<byte> output) => Authentication(output, AuthenticationCode.Ok, []);

    public static void AuthenticationCleartextPassword(IBufferWriter<byte> output) =>
        Authentication(output, AuthenticationCode.CleartextPassword, []);

    /// <param name="salt">The 4 random bytes the client mixes into its answer.</param>
    public static void AuthenticationMd5Password(IBufferWriter<byte> output, ReadOnlySpan<byte> salt)
    {
        if (salt.Length != 4)
        {
            throw new ArgumentException("an MD5 salt is 4 bytes", nameof(salt));
        }
        Authentication(output, AuthenticationCode.Md5Password, salt);
    }

    /// <summary>AuthenticationSASL: the mechanisms offered, each a C string, ended by an empty one.</summary>
    public static void AuthenticationSasl(IBufferWriter<byte> output, IReadOnlyList<string> mechanisms)
    {
        ArgumentNullException.ThrowIfNull(mechanisms);
        var bodyLength = 4 + mechanisms.Sum(SpanWriter.CStringLength) + 1;
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)BackendMessageCode.Authentication, bodyLength);
        writer.Int32((int)AuthenticationCode.Sasl);
        foreach (var mechanism in mechanisms)
        {
            writer.CString(mechanism);
        }
        writer.Byte(0);
        output.Advance(writer.Position);
    }

    public static void AuthenticationSaslContinue(IBufferWriter<byte> output, ReadOnlySpan<byte> data) =>
        Authentication(output, AuthenticationCode.SaslContinue, data);

    public static void AuthenticationSaslFinal(IBufferWriter<byte> output, ReadOnlySpan<byte> data) =>
        Authentication(output, AuthenticationCode.SaslFinal, data);

    public static void ParameterStatus(IBufferWriter<byte> output, string name, string value)
    {
        var bodyLength = SpanWriter.CStringLength(name) + SpanWriter.CStringLength(value);
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)BackendMessageCode.ParameterStatus, bodyLength);
        writer.CString(name);
        writer.CString(value);
        output.Advance(writer.Position);
    }

    /// <param name="secretKey">4 bytes in protocol 3.0; up to 256 in 3.2.</param>
    public static void BackendKeyData(IBufferWriter<byte> output, int processId, ReadOnlySpan<byte> secretKey)
    {
        if (secretKey.Length is < 4 or > 256)
        {
            throw new ArgumentException("a cancel key is 4 to 256 bytes", nameof(secretKey));
        }
        var bodyLength = 4 + secretKey.Length;
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)BackendMessageCode.BackendKeyData, bodyLength);
        writer.Int32(processId);
        writer.Bytes(secretKey);
        output.Advance(writer.Position);
    }

    public static void ReadyForQuery(IBufferWriter<byte> output, TransactionStatus status)
    {
        var writer = new SpanWriter(output.GetSpan(6));
        writer.Header((byte)BackendMessageCode.ReadyForQuery, 1);
        writer.Byte((byte)status);
        output.Advance(writer.Position);
    }

    /// <summary>RowDescription of a result in text format, with no table behind it.</summary>
    public static void RowDescription(IBufferWriter<byte> output, IReadOnlyList<ColumnDescription> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var bodyLength = 2;
        foreach (var column in columns)
        {
            bodyLength += SpanWriter.CStringLength(column.Name) + 18;
        }
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)BackendMessageCode.RowDescription, bodyLength);
        writer.Int16(checked((short)columns.Count));
        foreach (var column in columns)
        {
            writer.CString(column.Name);
            writer.Int32(0); // table OID
            writer.Int16(0); // column number
            writer.Int32(column.TypeOid);
            writer.Int16(column.TypeSize);
            writer.Int32(-1); // type modifier
            writer.Int16(0); // text format
        }
        output.Advance(writer.Position);
    }

    /// <summary>DataRow of text values; null is SQL NULL.</summary>
    public static void DataRow(IBufferWriter<byte> output, IReadOnlyList<string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bodyLength = 2;
        foreach (var value in values)
        {
            bodyLength += 4 + (value is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(value));
        }
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)BackendMessageCode.DataRow, bodyLength);
        writer.Int16(checked((short)values.Count));
        foreach (var value in values)
        {
            if (value is null)
            {
                writer.Int32(-1);
                continue;
            }
            var bytes = System.Text.Encoding.UTF8.GetBytes(value);
            writer.Int32(bytes.Length);
            writer.Bytes(bytes);
        }
        output.Advance(writer.Position);
    }

    /// <summary>CommandComplete with its tag (<c>SHOW</c>, <c>PAUSE</c>, <c>SET name=value</c>…).</summary>
    public static void CommandComplete(IBufferWriter<byte> output, string tag)
    {
        var bodyLength = SpanWriter.CStringLength(tag);
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)BackendMessageCode.CommandComplete, bodyLength);
        writer.CString(tag);
        output.Advance(writer.Position);
    }

    /// <summary>
    /// NegotiateProtocolVersion: the newest minor version pgway speaks and the <c>_pq_.</c> options it
    /// does not know, sent when a client asks for a newer minor version or such options.
    /// </summary>
    public static void NegotiateProtocolVersion(IBufferWriter<byte> output, int newestMinorVersion, IReadOnlyList<string> unrecognizedOptions)
    {
        ArgumentNullException.ThrowIfNull(unrecognizedOptions);
        var bodyLength = 4 + 4 + unrecognizedOptions.Sum(SpanWriter.CStringLength);
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)BackendMessageCode.NegotiateProtocolVersion, bodyLength);
        writer.Int32((StartupRequestCode.MajorVersion3 << 16) | newestMinorVersion);
        writer.Int32(unrecognizedOptions.Count);
        foreach (var option in unrecognizedOptions)
        {
            writer.CString(option);
        }
        output.Advance(writer.Position);
    }

    private static void Authentication(IBufferWriter<byte> output, AuthenticationCode code, ReadOnlySpan<byte> data)
    {
        var bodyLength = 4 + data.Length;
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)BackendMessageCode.Authentication, bodyLength);
        writer.Int32((int)code);
        writer.Bytes(data);
        output.Advance(writer.Position);
    }
}
