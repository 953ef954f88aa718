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

    /// <summary>SSLRequest: asks the server for TLS; it answers one byte, 'S' or 'N'.</summary>
    public static void SslRequest(IBufferWriter<byte> output)
    {
        var writer = new SpanWriter(output.GetSpan(8));
        writer.Int32(8);
        writer.Int32(StartupRequestCode.SslRequest);
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

    /// <summary>Parse of a statement (empty name: the unnamed one), parameter types left to the server.</summary>
    public static void Parse(IBufferWriter<byte> output, string statement, string sql)
    {
        var bodyLength = SpanWriter.CStringLength(statement) + SpanWriter.CStringLength(sql) + 2;
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)FrontendMessageCode.Parse, bodyLength);
        writer.CString(statement);
        writer.CString(sql);
        writer.Int16(0);
        output.Advance(writer.Position);
    }

    /// <summary>Bind of the unnamed portal with text parameters (null for SQL NULL) and text results.</summary>
    public static void Bind(IBufferWriter<byte> output, string statement, IReadOnlyList<string?> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var values = parameters.Select(p => p is null ? null : System.Text.Encoding.UTF8.GetBytes(p)).ToArray();
        var bodyLength = 1 + SpanWriter.CStringLength(statement) + 2 + 2 + values.Sum(v => 4 + (v?.Length ?? 0)) + 2;
        var writer = new SpanWriter(output.GetSpan(5 + bodyLength));
        writer.Header((byte)FrontendMessageCode.Bind, bodyLength);
        writer.Byte(0);
        writer.CString(statement);
        writer.Int16(0);
        writer.Int16(checked((short)values.Length));
        foreach (var value in values)
        {
            writer.Int32(value?.Length ?? -1);
            writer.Bytes(value);
        }
        writer.Int16(0);
        output.Advance(writer.Position);
    }

    /// <summary>Execute of the unnamed portal, every row.</summary>
    public static void Execute(IBufferWriter<byte> output)
    {
        var writer = new SpanWriter(output.GetSpan(10));
        writer.Header((byte)FrontendMessageCode.Execute, 5);
        writer.Byte(0);
        writer.Int32(0);
        output.Advance(writer.Position);
    }

    public static void Sync(IBufferWriter<byte> output)
    {
        var writer = new SpanWriter(output.GetSpan(5));
        writer.Header((byte)FrontendMessageCode.Sync, 0);
        output.Advance(writer.Position);
    }

    public static void Flush(IBufferWriter<byte> output)
    {
        var writer = new SpanWriter(output.GetSpan(5));
        writer.Header((byte)FrontendMessageCode.Flush, 0);
        output.Advance(writer.Position);
    }

    public static void Terminate(IBufferWriter<byte> output)
    {
        var writer = new SpanWriter(output.GetSpan(5));
        writer.Header((byte)FrontendMessageCode.Terminate, 0);
        output.Advance(writer.Position);
    }
}
