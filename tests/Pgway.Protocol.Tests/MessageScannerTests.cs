using System.Buffers;
using Pgway.Protocol;

namespace Pgway.Protocol.Tests;

public class MessageScannerTests
{
    // Asks for the bodies of ReadyForQuery and ParameterStatus, as the pooler does.
    private sealed class Recorder : IMessageObserver
    {
        private readonly List<byte> body = [];

        public List<string> Seen { get; } = [];

        public bool OnMessage(byte type, int bodyLength)
        {
            Seen.Add($"{(char)type}{bodyLength}");
            return type is (byte)'Z' or (byte)'S';
        }

        /// <summary>Stop the scan after each ReadyForQuery.</summary>
        public bool StopAfterReady { get; init; }

        public bool OnBody(ReadOnlySpan<byte> part, bool last)
        {
            Take(part, last);
            return last && StopAfterReady && Seen[^2].StartsWith('Z');
        }

        private void Take(ReadOnlySpan<byte> part, bool last)
        {
            body.AddRange(part);
            if (last)
            {
                Seen.Add($"body {System.Text.Encoding.ASCII.GetString([.. body]).Replace('\0', '|')}");
                body.Clear();
            }
        }
    }

    private static byte[] Stream()
    {
        var output = new ArrayBufferWriter<byte>();
        BackendMessages.ParameterStatus(output, "TimeZone", "UTC");
        BackendMessages.ReadyForQuery(output, TransactionStatus.InTransaction);
        ErrorResponseWriter.Write(output, ErrorSeverity.Error, SqlState.ProtocolViolation, "x");
        BackendMessages.ReadyForQuery(output, TransactionStatus.Idle);
        return output.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Scan_SplitAnywhere_SameMessagesAndStatuses(int chunk)
    {
        var bytes = Stream();
        var scanner = new MessageScanner();
        var recorder = new Recorder();

        for (var at = 0; at < bytes.Length; at += chunk)
        {
            Assert.Null(scanner.Scan(bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at)), MessageHeader.LargeMessageLimit, recorder));
        }

        Assert.Equal(["S13", "body TimeZone|UTC|", "Z1", "body T", "E25", "Z1", "body I"], recorder.Seen);
        Assert.True(scanner.AtBoundary);
    }

    [Fact]
    public void Scan_LengthOverTheBound_Error()
    {
        var scanner = new MessageScanner();

        var error = scanner.Scan([(byte)'Q', 0, 1, 0, 0], 100, new Recorder());

        Assert.Equal("invalid message length 65536 of message type 'Q' (must be 4 to 104)", error);
    }

    [Fact]
    public void Scan_MidMessage_NotAtBoundary()
    {
        var scanner = new MessageScanner();

        scanner.Scan([(byte)'Q', 0, 0, 0, 9, (byte)'S'], 100, new Recorder());

        Assert.False(scanner.AtBoundary);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Scan_ObserverStops_RestScansOnLikeOneStream(int chunk)
    {
        var bytes = Stream();
        var whole = new Recorder();
        var stopping = new Recorder { StopAfterReady = true };
        Assert.Null(new MessageScanner().Scan(bytes, MessageHeader.LargeMessageLimit, whole));
        var scanner = new MessageScanner();
        var stops = new List<int>();
        for (var at = 0; at < bytes.Length;)
        {
            var piece = bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at));
            Assert.Null(scanner.Scan(piece, MessageHeader.LargeMessageLimit, stopping, out var scanned));
            Assert.InRange(scanned, 1, piece.Length);
            if (scanned < piece.Length)
            {
                stops.Add(at + scanned);
            }
            at += scanned;
        }

        Assert.Equal(whole.Seen, stopping.Seen);
        // Right after the first ReadyForQuery (the last one ends the stream: nothing to stop before).
        var firstReadyEnd = bytes.AsSpan().IndexOf("Z\0\0\0\u0005T"u8) + 6;
        Assert.All(stops, stop => Assert.Equal(firstReadyEnd, stop));
        Assert.Equal(chunk == 1000 ? 1 : stops.Count, stops.Count);
    }
}
