using System.Buffers.Binary;

namespace Pgway.Fuzz;

/// <summary>A whole regular message of a stream (type, body), for comparing what went in with what came out.</summary>
internal readonly record struct WireMessage(byte Type, byte[] Body)
{
    /// <summary>
    /// The whole messages at the start of <paramref name="stream"/>, read with no bound but the stream's
    /// own length; <paramref name="complete"/> is false when bytes are left over (a message cut short,
    /// or a length below 4).
    /// </summary>
    public static List<WireMessage> Split(ReadOnlySpan<byte> stream, out bool complete)
    {
        var messages = new List<WireMessage>();
        while (stream.Length >= 5)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(stream[1..]);
            if (length < 4 || length - 4 > stream.Length - 5)
            {
                break;
            }
            messages.Add(new WireMessage(stream[0], stream.Slice(5, length - 4).ToArray()));
            stream = stream[(length + 1)..];
        }
        complete = stream.IsEmpty;
        return messages;
    }

    public bool SameAs(WireMessage other) => Type == other.Type && Body.AsSpan().SequenceEqual(other.Body);

    public override string ToString() => $"'{(char)Type}' ({Body.Length} bytes)";
}
