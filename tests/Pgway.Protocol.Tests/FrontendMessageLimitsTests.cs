using System.Buffers.Binary;
using Pgway.Protocol;

namespace Pgway.Protocol.Tests;

/// <summary>PostgreSQL's per-type bounds on what a client sends (its SocketBackend), as the pooler's scanner applies them.</summary>
public class FrontendMessageLimitsTests
{
    private sealed class Nothing : IMessageObserver
    {
        public bool OnMessage(byte type, int bodyLength) => false;

        public bool OnBody(ReadOnlySpan<byte> part, bool last) => false;
    }

    [Theory]
    [InlineData('Q', MessageHeader.LargeMessageLimit)]
    [InlineData('F', MessageHeader.LargeMessageLimit)]
    [InlineData('P', MessageHeader.LargeMessageLimit)]
    [InlineData('B', MessageHeader.LargeMessageLimit)]
    [InlineData('d', MessageHeader.LargeMessageLimit)]
    [InlineData('C', 9_996)]
    [InlineData('D', 9_996)]
    [InlineData('E', 9_996)]
    [InlineData('H', 9_996)]
    [InlineData('S', 9_996)]
    [InlineData('X', 9_996)]
    [InlineData('c', 9_996)]
    [InlineData('f', 9_996)]
    [InlineData('p', 9_996)]
    [InlineData('z', 9_996)]
    public void For_EachType_PostgresBound(char type, int maxBody) => Assert.Equal(maxBody, FrontendMessageLimits.For((byte)type));

    [Theory]
    [InlineData('D', 10_000, true)]
    [InlineData('D', 10_001, false)]
    [InlineData('D', 300_000_004, false)]
    [InlineData('S', 10_001, false)]
    [InlineData('P', 300_000_004, true)]
    [InlineData('Q', 10_001, true)]
    public void Scan_FrontendLimits_RefusesAtTheHeader(char type, int length, bool accepted)
    {
        var header = new byte[MessageHeader.Size];
        header[0] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(1), length);
        var scanner = new MessageScanner();

        var error = scanner.Scan(header, default(FrontendMessageLimits), new Nothing(), out _);

        if (accepted)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.Equal($"invalid message length {length} of message type '{type}' (must be 4 to 10000)", error);
        }
    }
}
