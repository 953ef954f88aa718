using System.Buffers;

namespace Pgway.Protocol;

/// <summary>
/// Reads whole regular messages from a stream, each bounded: for exchanges where messages are few
/// and small (logging in to a server), not for the data path.
/// </summary>
public sealed class MessageStreamReader(Stream stream) : IDisposable
{
    private byte[] buffer = ArrayPool<byte>.Shared.Rent(8192);
    private int start;
    private int end;

    /// <summary>The next message; its body is valid until the next read.</summary>
    /// <exception cref="PostgresProtocolException">A header with a length over <paramref name="maxBodyLength"/>.</exception>
    /// <exception cref="EndOfStreamException">The stream ended first.</exception>
    public async ValueTask<(byte Type, ReadOnlyMemory<byte> Body)> ReadAsync(int maxBodyLength, CancellationToken cancellationToken)
    {
        await FillAsync(MessageHeader.Size, cancellationToken).ConfigureAwait(false);
        if (MessageHeader.TryRead(buffer.AsSpan(start, end - start), maxBodyLength, out var header, out var error) == MessageReadStatus.Invalid)
        {
            throw new PostgresProtocolException(error!);
        }
        await FillAsync(header.TotalLength, cancellationToken).ConfigureAwait(false);
        var body = buffer.AsMemory(start + MessageHeader.Size, header.BodyLength);
        start += header.TotalLength;
        return (header.Type, body);
    }

    private async ValueTask FillAsync(int count, CancellationToken cancellationToken)
    {
        if (end - start >= count)
        {
            return;
        }
        if (buffer.Length - start < count)
        {
            var larger = buffer.Length >= count ? buffer : ArrayPool<byte>.Shared.Rent(count);
            buffer.AsSpan(start, end - start).CopyTo(larger);
            if (larger != buffer)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }
            end -= start;
            start = 0;
        }
        while (end - start < count)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException("the connection closed in the middle of the exchange");
            }
            end += read;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }
}
