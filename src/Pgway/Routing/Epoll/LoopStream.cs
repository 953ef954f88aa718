namespace Pgway.Routing.Epoll;

/// <summary>
/// A <see cref="Stream"/> over a loop connection (a <see cref="LoopSocket"/> or a TLS one), for the
/// rare exchanges written against streams (logging in to a server): used on the loop's thread, its
/// awaits resume there too.
/// </summary>
internal sealed class LoopStream(ILoopTransport socket) : Stream
{
    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = socket.TryReceive(buffer.Span);
            if (read >= 0)
            {
                return read;
            }
            await socket.WaitReadableAsync();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        socket.SendAsync(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        socket.SendAsync(buffer.AsMemory(offset, count)).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    // Blocking calls would stall every session of the loop.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("a loop stream is asynchronous only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("a loop stream is asynchronous only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
