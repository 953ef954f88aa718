using System.Buffers;

namespace Pgway.Protocol;

/// <summary>
/// The frontend messages pgway writes itself when it is the client of a server: the start-up
/// packet, its answers to authentication, a query of its own (a reset or a parameter), a cancel.
/// </summary>
public static class FrontendMessages
{
    public static void Startup(IBufferWriter<byte> output, int protocolVersion, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var length = 8 + parameters.Sum(p => SpanWriter.CStringLength(p.Key) + SpanWriter.CStringLength(p.Value)) + 1;
        if (length > StartupPacketReader.MaxLength)
        {
            throw new ArgumentException($"a start-up packet of {length} bytes is over PostgreSQL's limit of {StartupPacketReader.MaxLength}", nameof(parameters));
        }
        var writer = new SpanWriter(output.GetSpan(length));
        writer.Int32(length);
        writer.Int32(protocolVersion);
        foreach (var (name, value) in parameters)
        {
            writer.CString(name);
            writer.CString(value);
        }
        writer.Byte(0);
        output.Advance(writer.Position);
    }

    public static void CancelRequest(IBufferWriter<byte> output, int processId, ReadOnlySpan<byte> secretKey)
    {
        var length = 12 + secretKey.Length;
        var writer = new SpanWriter(output.GetSpan(length));
        writer.Int32(length);
        writer.Int32(StartupRequestCode.CancelRequest);
        writer.Int32(processId);
        writer.Bytes(secretKey);
        output.Advance(writer.Position);
    }

    /// <summary>PasswordMessage: a cleartext password or an MD5 answer.</summary>
    public static void Password(IBufferWriter<byte> output, string password)
    {
        var bodyLength = SpanWriter.CStringLength(password);
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)FrontendMessageCode.Password, bodyLength);
        writer.CString(password);
        output.Advance(writer.Position);
    }

    public static void SaslInitialResponse(IBufferWriter<byte> output, string mechanism, ReadOnlySpan<byte> data)
    {
        var bodyLength = SpanWriter.CStringLength(mechanism) + 4 + data.Length;
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)FrontendMessageCode.Password, bodyLength);
        writer.CString(mechanism);
        writer.Int32(data.Length);
        writer.Bytes(data);
        output.Advance(writer.Position);
    }

    public static void SaslResponse(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        var writer = new SpanWriter(output.GetSpan(5 + data.Length));
        writer.Header((byte)FrontendMessageCode.Password, data.Length);
        writer.Bytes(data);
        output.Advance(writer.Position);
    }

    public static void Query(IBufferWriter<byte> output, string sql)
    {
        var bodyLength = SpanWriter.CStringLength(sql);
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)FrontendMessageCode.Query, bodyLength);
        writer.CString(sql);
        output.Advance(writer.Position);
    }

    public static void Terminate(IBufferWriter<byte> output)
    {
        var writer = new SpanWriter(output.GetSpan(5));
        writer.Header((byte)FrontendMessageCode.Terminate, 0);
        output.Advance(writer.Position);
    }
}
