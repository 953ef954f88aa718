using System.Buffers;
using Pgway.Protocol;

namespace Pgway.Protocol.Tests;

public class ErrorResponseWriterTests
{
    [Fact]
    public void Write_Fatal_GoldenBytes()
    {
        var output = new ArrayBufferWriter<byte>();

        ErrorResponseWriter.Write(output, ErrorSeverity.Fatal, SqlState.TooManyConnections, "x");

        byte[] expected =
        [
            (byte)'E', 0x00, 0x00, 0x00, 0x1D,
            .. "SFATAL\0VFATAL\0C53300\0Mx\0\0"u8,
        ];
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Write_Utf8Message_LengthCountsBytes()
    {
        var output = new ArrayBufferWriter<byte>();

        ErrorResponseWriter.Write(output, ErrorSeverity.Error, SqlState.ProtocolViolation, "größe");

        var bytes = output.WrittenSpan;
        Assert.Equal(bytes.Length - 1, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes[1..]));
        Assert.Equal(0, bytes[^1]);
    }
}
