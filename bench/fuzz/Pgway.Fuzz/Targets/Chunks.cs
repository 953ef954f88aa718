namespace Pgway.Fuzz;

/// <summary>
/// Cuts an input into reads of 1 to 17 bytes, the sizes drawn from the input itself: parsers that
/// follow a stream must give the same answer however the network splits it, and the cuts stay
/// reproducible from the input alone.
/// </summary>
internal static class Chunks
{
    public static List<ArraySegment<byte>> Of(byte[] input)
    {
        var chunks = new List<ArraySegment<byte>>();
        var state = (uint)input.Length * 2654435761u;
        for (var position = 0; position < input.Length;)
        {
            state = state * 1103515245u + 12345u + input[position];
            var size = Math.Min(1 + (int)(state >> 16) % 17, input.Length - position);
            chunks.Add(new ArraySegment<byte>(input, position, size));
            position += size;
        }
        return chunks;
    }
}
