using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Pgway.Protocol;

namespace Pgway.Fuzz;

/// <summary>
/// Start-up packets (<see cref="StartupPacketReader"/>) and the <c>options</c> parameter
/// (<see cref="StartupOptions"/>): the first bytes any client sends, before it has logged in.
/// </summary>
internal static class StartupTarget
{
    public static void Check(byte[] input)
    {
        ReadPackets(new ReadOnlySequence<byte>(input), input);
        ReadPackets(Segmented(input), input);
        CheckOptions(Encoding.UTF8.GetString(input));
    }

    // Every packet in the input as a client sending them back to back would have them read.
    private static void ReadPackets(ReadOnlySequence<byte> buffer, byte[] input)
    {
        var consumed = 0L;
        while (true)
        {
            var before = buffer.Length;
            var status = StartupPacketReader.TryRead(ref buffer, out var packet, out var error);
            switch (status)
            {
                case StartupReadStatus.Incomplete:
                    Expect(packet is null && error is null && buffer.Length == before, "an incomplete read consumed bytes or gave a result");
                    Expect(before < 4 || before < BinaryPrimitives.ReadInt32BigEndian(input.AsSpan((int)consumed)), "a whole packet was called incomplete");
                    return;
                case StartupReadStatus.Invalid:
                    Expect(packet is null && !string.IsNullOrEmpty(error), "an invalid packet without an error");
                    return;
                case StartupReadStatus.Complete:
                    var length = BinaryPrimitives.ReadInt32BigEndian(input.AsSpan((int)consumed));
                    Expect(packet is not null && error is null, "a complete packet without a result");
                    Expect(length is >= 8 and <= StartupPacketReader.MaxLength && before - buffer.Length == length,
                        $"a packet of length {length} consumed {before - buffer.Length} bytes");
                    consumed += length;
                    CheckPacket(packet!);
                    break;
                default:
                    throw new FuzzInvariantException($"unknown status {status}");
            }
        }
    }

    private static void CheckPacket(StartupPacket packet)
    {
        switch (packet.Kind)
        {
            case StartupPacketKind.CancelRequest:
                Expect(packet.CancelKey.Length is >= 4 and <= 256, $"a cancel key of {packet.CancelKey.Length} bytes");
                break;
            case StartupPacketKind.Startup:
                Expect(packet.MajorVersion == 3 && !string.IsNullOrEmpty(packet.User) && packet.Database is not null, "a start-up packet without protocol 3 or a user");
                Expect(packet.Parameters.All(p => !p.Key.Contains('\0', StringComparison.Ordinal) && !p.Value.Contains('\0', StringComparison.Ordinal)), "a parameter holding a zero byte");
                RoundTrip(packet);
                if (packet["options"] is { } options)
                {
                    CheckOptions(options);
                }
                break;
        }
    }

    // What pgway reads it can write to a server (the packet it forwards), and reads back the same.
    private static void RoundTrip(StartupPacket packet)
    {
        var written = 9 + packet.Parameters.Sum(p => Encoding.UTF8.GetByteCount(p.Key) + Encoding.UTF8.GetByteCount(p.Value) + 2);
        if (written > StartupPacketReader.MaxLength)
        {
            // Invalid UTF-8 read as U+FFFD takes 3 bytes where it took 1: the writer refuses it, as documented.
            return;
        }
        var output = new ArrayBufferWriter<byte>();
        FrontendMessages.Startup(output, packet.ProtocolVersion, packet.Parameters);
        var again = new ReadOnlySequence<byte>(output.WrittenMemory);
        if (StartupPacketReader.TryRead(ref again, out var reread, out var error) != StartupReadStatus.Complete
            || !reread!.Parameters.SequenceEqual(packet.Parameters) || !again.IsEmpty)
        {
            throw new FuzzInvariantException($"a start-up packet does not read back as written: {error}");
        }
    }

    private static void CheckOptions(string options)
    {
        if (StartupOptions.TryParse(options, out var settings, out var error))
        {
            Expect(error is null && settings.All(s => s.Key.Length > 0 && !s.Key.Contains('=', StringComparison.Ordinal)), "a setting without a name");
        }
        else
        {
            Expect(!string.IsNullOrEmpty(error), "options refused without an error");
        }
    }

    // The same bytes as a sequence of 1- to 17-byte segments, as a pipe would hold them.
    private static ReadOnlySequence<byte> Segmented(byte[] input)
    {
        var chunks = Chunks.Of(input);
        if (chunks.Count < 2)
        {
            return new ReadOnlySequence<byte>(input);
        }
        var first = new Segment(chunks[0], 0);
        var last = first;
        foreach (var chunk in chunks.Skip(1))
        {
            last = last.Append(chunk);
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private static void Expect(bool condition, string broken)
    {
        if (!condition)
        {
            throw new FuzzInvariantException($"startup: {broken}");
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
