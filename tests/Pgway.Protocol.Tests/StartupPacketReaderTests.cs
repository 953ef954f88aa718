using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Pgway.Protocol;

namespace Pgway.Protocol.Tests;

public class StartupPacketReaderTests
{
    // What libpq sends for "user=u dbname=d": length 27, protocol 3.0, two pairs, terminator.
    private static readonly byte[] LibpqStartup =
    [
        0x00, 0x00, 0x00, 0x1B, 0x00, 0x03, 0x00, 0x00,
        .. "user\0u\0database\0d\0\0"u8,
    ];

    private static StartupReadStatus Read(byte[] bytes, out StartupPacket? packet, out string? error, out long left)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var status = StartupPacketReader.TryRead(ref buffer, out packet, out error);
        left = buffer.Length;
        return status;
    }

    private static byte[] Packet(int code, byte[] body)
    {
        var bytes = new byte[8 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, bytes.Length);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), code);
        body.CopyTo(bytes, 8);
        return bytes;
    }

    [Fact]
    public void TryRead_LibpqStartupGoldenBytes_Parameters()
    {
        var status = Read(LibpqStartup, out var packet, out _, out var left);

        Assert.Equal(StartupReadStatus.Complete, status);
        Assert.Equal(0, left);
        Assert.Equal(StartupPacketKind.Startup, packet!.Kind);
        Assert.Equal((3, 0), (packet.MajorVersion, packet.MinorVersion));
        Assert.Equal(("u", "d"), (packet.User, packet.Database));
    }

    [Fact]
    public void TryRead_NoDatabase_DefaultsToUser()
    {
        Read(Packet(StartupRequestCode.Protocol32, "user\0alice\0application_name\0psql\0\0"u8.ToArray()), out var packet, out _, out _);

        Assert.Equal(("alice", "alice", "psql", 2), (packet!.User, packet.Database, packet["application_name"], packet.MinorVersion));
    }

    [Fact]
    public void TryRead_SslRequestThenMore_ConsumesOnlyTheRequest()
    {
        byte[] bytes = [0x00, 0x00, 0x00, 0x08, 0x04, 0xD2, 0x16, 0x2F, 0x16, 0x03];

        var status = Read(bytes, out var packet, out _, out var left);

        Assert.Equal(StartupReadStatus.Complete, status);
        Assert.Equal(StartupPacketKind.SslRequest, packet!.Kind);
        Assert.Equal(2, left);
    }

    [Fact]
    public void TryRead_CancelRequest_PidAndKey()
    {
        Read(Packet(StartupRequestCode.CancelRequest, [0, 0, 0x30, 0x39, 1, 2, 3, 4]), out var packet, out _, out _);

        Assert.Equal(StartupPacketKind.CancelRequest, packet!.Kind);
        Assert.Equal(12345, packet.CancelProcessId);
        Assert.Equal([1, 2, 3, 4], packet.CancelKey);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(26)]
    public void TryRead_PartialPacket_Incomplete(int available)
    {
        Assert.Equal(StartupReadStatus.Incomplete, Read(LibpqStartup[..available], out _, out _, out var left));
        Assert.Equal(available, left);
    }

    public static TheoryData<byte[], string> Malformed => new()
    {
        { [0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0], "invalid start-up packet length 4" },
        { [0x7F, 0xFF, 0xFF, 0xFF], "invalid start-up packet length 2147483647" },
        { [0x00, 0x00, 0x27, 0x11], "invalid start-up packet length 10001" },
        { Packet(0x00020000, "user\0u\0\0"u8.ToArray()), "unsupported frontend protocol 2.0" },
        { Packet(StartupRequestCode.Protocol30, "user\0u\0"u8.ToArray()), "not terminated by a zero byte" },
        { Packet(StartupRequestCode.Protocol30, "user\0u"u8.ToArray()), "missing its value or terminator" },
        { Packet(StartupRequestCode.Protocol30, "database\0d\0\0"u8.ToArray()), "no PostgreSQL user name specified" },
        { Packet(StartupRequestCode.Protocol30, "user\0u\0\0junk"u8.ToArray()), "bytes after its terminator" },
        { Packet(StartupRequestCode.SslRequest, [1]), "malformed encryption request" },
        { Packet(StartupRequestCode.CancelRequest, [0, 0, 0, 1]), "malformed cancel request" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryRead_Malformed_InvalidWithReason(byte[] bytes, string reason)
    {
        Assert.Equal(StartupReadStatus.Invalid, Read(bytes, out var packet, out var error, out _));
        Assert.Null(packet);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    // Found by the fuzzer (bench/fuzz, target startup): an empty user, then another, passed the
    // check for a user while pgway went on with the first (empty) one and PostgreSQL with the last.
    // Now the last wins, as in PostgreSQL.
    [Theory]
    [InlineData("user\0\0database\0d\0user\0u\0\0", "u", "d")]
    [InlineData("user\0a\0user\0b\0\0", "b", "b")]
    [InlineData("user\0a\0database\0x\0database\0y\0\0", "a", "y")]
    public void TryRead_ParameterGivenTwice_TheLastWinsAsInPostgres(string body, string user, string database)
    {
        Assert.Equal(StartupReadStatus.Complete, Read(Packet(StartupRequestCode.Protocol30, Encoding.UTF8.GetBytes(body)), out var packet, out _, out _));
        Assert.Equal(user, packet!.User);
        Assert.Equal(database, packet.Database);
        Assert.Equal(packet.Parameters.Count, packet.Parameters.Select(p => p.Key).Distinct().Count());
    }

    [Fact]
    public void TryRead_Utf8Values_Decoded()
    {
        Read(Packet(StartupRequestCode.Protocol30, [.. "user\0"u8, .. Encoding.UTF8.GetBytes("jörg"), 0, 0]), out var packet, out _, out _);

        Assert.Equal("jörg", packet!.User);
    }
}
