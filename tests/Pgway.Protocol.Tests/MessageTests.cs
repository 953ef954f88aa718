using System.Buffers;
using Pgway.Protocol;

namespace Pgway.Protocol.Tests;

/// <summary>Golden bytes of every message pgway writes, and round trips through its readers.</summary>
public class MessageTests
{
    private static byte[] Write(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void Backend_AuthenticationMessages_GoldenBytes()
    {
        Assert.Equal([(byte)'R', 0, 0, 0, 8, 0, 0, 0, 0], Write(BackendMessages.AuthenticationOk));
        Assert.Equal([(byte)'R', 0, 0, 0, 8, 0, 0, 0, 3], Write(BackendMessages.AuthenticationCleartextPassword));
        Assert.Equal([(byte)'R', 0, 0, 0, 12, 0, 0, 0, 5, 1, 2, 3, 4], Write(o => BackendMessages.AuthenticationMd5Password(o, [1, 2, 3, 4])));
        Assert.Equal([(byte)'R', 0, 0, 0, 23, 0, 0, 0, 10, .. "SCRAM-SHA-256\0\0"u8], Write(o => BackendMessages.AuthenticationSasl(o, ["SCRAM-SHA-256"])));
        Assert.Equal([(byte)'R', 0, 0, 0, 10, 0, 0, 0, 11, .. "ab"u8], Write(o => BackendMessages.AuthenticationSaslContinue(o, "ab"u8)));
        Assert.Equal([(byte)'R', 0, 0, 0, 10, 0, 0, 0, 12, .. "v="u8], Write(o => BackendMessages.AuthenticationSaslFinal(o, "v="u8)));
    }

    [Fact]
    public void Backend_SessionMessages_GoldenBytes()
    {
        Assert.Equal([(byte)'S', 0, 0, 0, 17, .. "TimeZone\0UTC\0"u8], Write(o => BackendMessages.ParameterStatus(o, "TimeZone", "UTC")));
        Assert.Equal([(byte)'K', 0, 0, 0, 12, 0, 0, 0x30, 0x39, 9, 8, 7, 6], Write(o => BackendMessages.BackendKeyData(o, 12345, [9, 8, 7, 6])));
        Assert.Equal([(byte)'Z', 0, 0, 0, 5, (byte)'I'], Write(o => BackendMessages.ReadyForQuery(o, TransactionStatus.Idle)));
        Assert.Equal([(byte)'v', 0, 0, 0, 21, 0, 3, 0, 0, 0, 0, 0, 1, .. "_pq_.foo\0"u8],
            Write(o => BackendMessages.NegotiateProtocolVersion(o, 0, ["_pq_.foo"])));
    }

    [Fact]
    public void Backend_ResultMessages_GoldenBytes()
    {
        Assert.Equal([(byte)'T', 0, 0, 0, 27, 0, 1, .. "ab\0"u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, 0xff, 0xff, 0xff, 0xff, 0, 0],
            Write(o => BackendMessages.RowDescription(o, [ColumnDescription.Int4("ab")])));
        Assert.Equal([(byte)'D', 0, 0, 0, 15, 0, 2, 0, 0, 0, 1, (byte)'x', 0xff, 0xff, 0xff, 0xff],
            Write(o => BackendMessages.DataRow(o, ["x", null])));
        Assert.Equal([(byte)'C', 0, 0, 0, 9, .. "SHOW\0"u8], Write(o => BackendMessages.CommandComplete(o, "SHOW")));
        Assert.Equal([(byte)'N', 0, 0, 0, 34, .. "SNOTICE\0VNOTICE\0C00000\0Mm\0Dd\0\0"u8], Write(o => ErrorResponseWriter.WriteNotice(o, "m", "d")));
        Assert.Equal((25, (short)-1), (ColumnDescription.Text("t").TypeOid, ColumnDescription.Text("t").TypeSize));
        Assert.Equal(1700, ColumnDescription.Numeric("n").TypeOid);
    }

    [Fact]
    public void Backend_BadArguments_Refused()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => BackendMessages.AuthenticationMd5Password(output, [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => BackendMessages.BackendKeyData(output, 1, [1, 2, 3]));
    }

    [Fact]
    public void Frontend_Messages_GoldenBytes()
    {
        Assert.Equal([0, 0, 0, 23, 0, 3, 0, 0, .. "user\0bob\0"u8, .. "db\0x\0\0"u8],
            Write(o => FrontendMessages.Startup(o, StartupRequestCode.Protocol30, [new("user", "bob"), new("db", "x")])));
        Assert.Equal([0, 0, 0, 16, 0x04, 0xD2, 0x16, 0x2E, 0, 0, 0, 7, 1, 2, 3, 4], Write(o => FrontendMessages.CancelRequest(o, 7, [1, 2, 3, 4])));
        Assert.Equal([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F], Write(FrontendMessages.SslRequest));
        Assert.Equal([(byte)'p', 0, 0, 0, 7, .. "pw\0"u8], Write(o => FrontendMessages.Password(o, "pw")));
        Assert.Equal([(byte)'p', 0, 0, 0, 24, .. "SCRAM-SHA-256\0"u8, 0, 0, 0, 2, .. "ab"u8],
            Write(o => FrontendMessages.SaslInitialResponse(o, "SCRAM-SHA-256", "ab"u8)));
        Assert.Equal([(byte)'p', 0, 0, 0, 6, .. "ab"u8], Write(o => FrontendMessages.SaslResponse(o, "ab"u8)));
        Assert.Equal([(byte)'Q', 0, 0, 0, 13, .. "SELECT 1\0"u8], Write(o => FrontendMessages.Query(o, "SELECT 1")));
        Assert.Equal([(byte)'X', 0, 0, 0, 4], Write(FrontendMessages.Terminate));
    }

    [Fact]
    public void Frontend_ExtendedQuery_GoldenBytes()
    {
        Assert.Equal([(byte)'P', 0, 0, 0, 17, 0, .. "SELECT $1\0"u8, 0, 0], Write(o => FrontendMessages.Parse(o, "", "SELECT $1")));
        Assert.Equal([(byte)'B', 0, 0, 0, 22, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, .. "ab"u8, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0],
            Write(o => FrontendMessages.Bind(o, "", ["ab", null])));
        Assert.Equal([(byte)'E', 0, 0, 0, 9, 0, 0, 0, 0, 0], Write(FrontendMessages.Execute));
        Assert.Equal([(byte)'S', 0, 0, 0, 4], Write(FrontendMessages.Sync));
    }

    [Fact]
    public void Frontend_StartupOverTheLimit_Refused()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => FrontendMessages.Startup(output, StartupRequestCode.Protocol30, [new("user", new string('x', 10_000))]));
    }

    [Fact]
    public void Startup_WrittenThenRead_SameParameters()
    {
        var bytes = Write(o => FrontendMessages.Startup(o, StartupRequestCode.Protocol30, [new("user", "bob"), new("database", "db"), new("application_name", "größe")]));
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.Equal(StartupReadStatus.Complete, StartupPacketReader.TryRead(ref buffer, out var packet, out _));
        Assert.Equal([new("user", "bob"), new("database", "db"), new("application_name", "größe")], packet!.Parameters);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'Q', 0, 0, 0 }, MessageReadStatus.Incomplete, 0)]
    [InlineData(new byte[] { (byte)'Q', 0, 0, 0, 13 }, MessageReadStatus.Complete, 9)]
    [InlineData(new byte[] { (byte)'Z', 0, 0, 0, 4 }, MessageReadStatus.Complete, 0)]
    [InlineData(new byte[] { (byte)'Q', 0, 0, 0, 3 }, MessageReadStatus.Invalid, 0)]
    [InlineData(new byte[] { (byte)'Q', 0xFF, 0xFF, 0xFF, 0xFF }, MessageReadStatus.Invalid, 0)]
    [InlineData(new byte[] { (byte)'p', 0, 0, 0x27, 0x15 }, MessageReadStatus.Invalid, 0)]
    public void Header_Bounded(byte[] bytes, MessageReadStatus expected, int bodyLength)
    {
        var status = MessageHeader.TryRead(bytes, MessageHeader.SmallMessageLimit, out var header, out var error);

        Assert.Equal(expected, status);
        Assert.Equal(bodyLength, header.BodyLength);
        Assert.Equal(expected == MessageReadStatus.Invalid, error is not null);
    }

    [Fact]
    public void Header_Invalid_ErrorNamesTypeAndLimit()
    {
        MessageHeader.TryRead([(byte)'p', 0, 1, 0, 0], MessageHeader.SmallMessageLimit, out _, out var error);

        Assert.Equal("invalid message length 65536 of message type 'p' (must be 4 to 10004)", error);
    }

    [Fact]
    public void AuthenticationMessages_RoundTrip()
    {
        var sasl = Write(o => BackendMessages.AuthenticationSasl(o, ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]));
        Assert.True(AuthenticationMessages.TryReadRequest(sasl.AsSpan(5), out var code, out var data));
        Assert.Equal(AuthenticationCode.Sasl, code);
        Assert.True(AuthenticationMessages.TryReadSaslMechanisms(data, out var mechanisms));
        Assert.Equal(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"], mechanisms);

        var initial = Write(o => FrontendMessages.SaslInitialResponse(o, "SCRAM-SHA-256", "n,,n=,r=x"u8));
        Assert.True(AuthenticationMessages.TryReadSaslInitialResponse(initial.AsSpan(5), out var mechanism, out var first));
        Assert.Equal(("SCRAM-SHA-256", "n,,n=,r=x"), (mechanism, System.Text.Encoding.UTF8.GetString(first)));

        var password = Write(o => FrontendMessages.Password(o, "secret"));
        Assert.True(AuthenticationMessages.TryReadPassword(password.AsSpan(5), out var text));
        Assert.Equal("secret", text);
    }

    [Fact]
    public void AuthenticationMessages_Malformed_False()
    {
        Assert.False(AuthenticationMessages.TryReadRequest([0, 0], out _, out _));
        Assert.False(AuthenticationMessages.TryReadPassword("no terminator"u8, out _));
        Assert.False(AuthenticationMessages.TryReadPassword("two\0strings\0"u8, out _));
        Assert.False(AuthenticationMessages.TryReadSaslMechanisms("SCRAM-SHA-256\0"u8, out _));
        Assert.False(AuthenticationMessages.TryReadSaslInitialResponse("SCRAM-SHA-256"u8, out _, out _));
    }

    [Fact]
    public void SaslInitialResponse_LengthDisagrees_False() =>
        Assert.False(AuthenticationMessages.TryReadSaslInitialResponse([.. "SCRAM-SHA-256\0"u8, 0, 0, 0, 9, .. "ab"u8], out _, out _));

    [Fact]
    public void ErrorResponse_WrittenThenRead_Fields()
    {
        var bytes = Write(o => ErrorResponseWriter.Write(o, ErrorSeverity.Fatal, SqlState.InvalidPassword, "password authentication failed"));

        Assert.True(ErrorResponseReader.TryRead(bytes.AsSpan(5), out var fields));
        Assert.Equal("FATAL", fields['S']);
        Assert.Equal("28P01", fields['C']);
        Assert.Equal("password authentication failed", fields['M']);
        Assert.False(ErrorResponseReader.TryRead("Cunterminated"u8, out _));
        Assert.False(ErrorResponseReader.TryRead("C28P01\0"u8, out _));
    }
}
