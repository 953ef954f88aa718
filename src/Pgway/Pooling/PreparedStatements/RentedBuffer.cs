using System.Buffers;

namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// Bytes put together for one send (a rewritten batch), in an array from the shared pool that goes
/// back at <see cref="Reset"/>: an idle session holds none.
/// </summary>
internal sealed class RentedBuffer : IBufferWriter<byte>
{
    private const int InitialSize = 4096;

    private byte[]? array;

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Written => array is null ? ReadOnlyMemory<byte>.Empty : array.AsMemory(0, Length);

    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Advance(bytes.Length);
    }

    public void Advance(int count) => Length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return array.AsMemory(Length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return array.AsSpan(Length);
    }

    /// <summary>
    /// Forgets what was written, for a buffer refilled at once: an array of the first size is kept
    /// (no trip to the pool each time), a larger one goes back, so a long text once is not held for good.
    /// </summary>
    public void Clear()
    {
        if (array is { Length: > InitialSize })
        {
            Reset();
            return;
        }
        Length = 0;
    }

    public void Reset()
    {
        if (array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
            array = null;
        }
        Length = 0;
    }

    private void Ensure(int sizeHint)
    {
        var needed = Length + Math.Max(sizeHint, 1);
        if (array is not null && needed <= array.Length)
        {
            return;
        }
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, array is null ? InitialSize : array.Length * 2));
        if (array is not null)
        {
            array.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(array);
        }
        array = larger;
    }
}
