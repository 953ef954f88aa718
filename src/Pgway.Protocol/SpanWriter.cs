using System.Buffers.Binary;
using System.Text;

namespace Pgway.Protocol;

/// <summary>Writes a message's fields in order into a span sized for it beforehand.</summary>
internal ref struct SpanWriter(Span<byte> span)
{
    private readonly Span<byte> span = span;

    public int Position { get; private set; }

    /// <summary>A message header: type byte and the length of length and body.</summary>
    public void Header(byte type, int bodyLength)
    {
        Byte(type);
        Int32(4 + bodyLength);
    }

    public void Byte(byte value) => span[Position++] = value;

    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span[Position..], value);
        Position += 4;
    }

    public void Int16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(span[Position..], value);
        Position += 2;
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(span[Position..]);
        Position += value.Length;
    }

    /// <summary>A string in UTF-8 ended by a zero byte.</summary>
    public void CString(string value)
    {
        Position += Encoding.UTF8.GetBytes(value, span[Position..]);
        Byte(0);
    }

    /// <summary>Bytes a <see cref="CString"/> of <paramref name="value"/> takes.</summary>
    public static int CStringLength(string value) => Encoding.UTF8.GetByteCount(value) + 1;
}
