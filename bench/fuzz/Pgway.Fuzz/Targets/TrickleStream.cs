namespace Pgway.Fuzz;

/// <summary>A stream over an input that answers each read with a few bytes, as a socket may.</summary>
internal sealed class TrickleStream(byte[] input) : Stream
{
    private readonly List<ArraySegment<byte>> chunks = Chunks.Of(input);
    private int next;
    private int offset;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (next == chunks.Count || buffer.IsEmpty)
        {
            return 0;
        }
        var chunk = chunks[next].AsSpan(offset);
        var take = Math.Min(chunk.Length, buffer.Length);
        chunk[..take].CopyTo(buffer);
        offset += take;
        if (offset == chunks[next].Count)
        {
            next++;
            offset = 0;
        }
        return take;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
