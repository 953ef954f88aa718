using System.Buffers.Binary;

namespace Pgway.Protocol;

/// <summary>
/// The 5 bytes before every regular message: its type and its length (which counts the 4 length
/// bytes, not the type). Read with a bound, so a peer cannot announce a message pgway would wait
/// for or buffer without limit.
/// </summary>
/// <param name="BodyLength">Bytes after the header.</param>
public readonly record struct MessageHeader(byte Type, int BodyLength)
{
    public const int Size = 5;

    /// <summary>What a message of the log-in phase may take (PostgreSQL's PQ_SMALL_MESSAGE_LIMIT).</summary>
    public const int SmallMessageLimit = 10_000;

    /// <summary>What any message may take (PostgreSQL's PQ_LARGE_MESSAGE_LIMIT, 1 GiB).</summary>
    public const int LargeMessageLimit = 0x3FFF_FFFF;

    /// <summary>The whole message, header included.</summary>
    public int TotalLength => Size + BodyLength;

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        destination[0] = Type;
        BinaryPrimitives.WriteInt32BigEndian(destination[1..], BodyLength + 4);
    }

    /// <summary>A whole message of <paramref name="type"/>: its header, then <paramref name="body"/>.</summary>
    public static byte[] Message(byte type, ReadOnlySpan<byte> body)
    {
        var message = new byte[Size + body.Length];
        new MessageHeader(type, body.Length).WriteTo(message);
        body.CopyTo(message.AsSpan(Size));
        return message;
    }

    /// <summary>Reads a header from the start of <paramref name="buffer"/>.</summary>
    /// <param name="maxBodyLength">The longest body accepted here; a longer one is a protocol violation.</param>
    public static MessageReadStatus TryRead(ReadOnlySpan<byte> buffer, int maxBodyLength, out MessageHeader header, out string? error)
    {
        header = default;
        error = null;
        if (buffer.Length < Size)
        {
            return MessageReadStatus.Incomplete;
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(buffer[1..]);
        if (length < 4 || length - 4 > maxBodyLength)
        {
            var type = buffer[0];
            var shown = type is >= 0x20 and < 0x7F ? $"'{(char)type}'" : $"0x{type:X2}";
            error = $"invalid message length {length} of message type {shown} (must be 4 to {(long)maxBodyLength + 4})";
            return MessageReadStatus.Invalid;
        }
        header = new MessageHeader(buffer[0], length - 4);
        return MessageReadStatus.Complete;
    }
}
