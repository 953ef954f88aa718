using Pgway.Routing.Epoll;

namespace Pgway.Pooling.Tls;

/// <summary>
/// What an <see cref="System.Net.Security.SslStream"/> of a <see cref="TlsTransport"/> reads and writes:
/// bytes received before the handshake began (a direct TLS ClientHello read as a start-up packet),
/// then the loop socket it is attached to now. A server connection moves between loops: while it
/// is detached, a read under way waits for the next attachment and goes on there, on that loop's
/// thread, so the TLS session survives the move.
/// </summary>
internal sealed class TlsInnerStream(LoopSocket socket, ReadOnlyMemory<byte> prefix) : Stream
{
    private readonly LoopWaiter attached = new();
    private LoopSocket? socket = socket;
    private ReadOnlyMemory<byte> prefix = prefix;
    private bool disposed;

    /// <summary>The loop socket it reads and writes now; null while detached.</summary>
    public LoopSocket? Socket => socket;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>On the new loop's thread: reads and writes go to <paramref name="attachedSocket"/> from now on.</summary>
    public void Attach(LoopSocket attachedSocket)
    {
        socket = attachedSocket;
        // A read that waited for this goes on now, here.
        attached.Complete();
    }

    /// <summary>On the old loop's thread, before the loop socket itself is detached: a read woken by that waits for <see cref="Attach"/>.</summary>
    public void Detach() => socket = null;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!prefix.IsEmpty)
        {
            var count = Math.Min(prefix.Length, buffer.Length);
            prefix[..count].CopyTo(buffer);
            prefix = prefix[count..];
            return count;
        }
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(disposed, this);
            if (socket is not { } current)
            {
                await attached.Start();
                continue;
            }
            var read = current.TryReceive(buffer.Span);
            if (read >= 0)
            {
                return read;
            }
            // Woken also when the socket is detached: the loop looks again.
            await current.WaitReadableAsync();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        socket is { } current ? current.SendAsync(buffer) : ValueTask.FromException(new ObjectDisposedException(nameof(TlsInnerStream), "the connection is between loops"));

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    // Blocking calls would stall every session of the loop.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("a TLS loop stream is asynchronous only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("a TLS loop stream is asynchronous only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // The loop socket is the transport's to dispose: a failed handshake leaves it to its session.
    protected override void Dispose(bool disposing)
    {
        disposed = true;
        attached.Fail(new ObjectDisposedException(nameof(TlsInnerStream)));
        base.Dispose(disposing);
    }
}
