using Pgway.Transport;

namespace Pgway.Pooling.Tls;

/// <summary>
/// What an <see cref="System.Net.Security.SslStream"/> of a <see cref="TlsTransport"/> reads and writes:
/// bytes received before the handshake began (a direct TLS ClientHello read as a start-up packet),
/// then the loop socket it is attached to now. A server connection moves between loops: while it
/// is detached, a read under way waits for the next attachment and goes on there, on that loop's
/// thread, so the TLS session survives the move.
/// </summary>
internal sealed class TlsInnerStream(LoopSocket socket, ReadOnlyMemory<byte> prefix) : AsyncOnlyStream
{
    private readonly LoopWaiter attached = new();
    private LoopSocket? socket = socket;
    private ReadOnlyMemory<byte> prefix = prefix;
    private bool disposed;

    /// <summary>The loop socket it reads and writes now; null while detached.</summary>
    public LoopSocket? Socket => socket;

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

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        socket is { } current ? current.SendAsync(buffer) : ValueTask.FromException(new ObjectDisposedException(nameof(TlsInnerStream), "the connection is between loops"));

    // The loop socket is the transport's to dispose: a failed handshake leaves it to its session.
    protected override void Dispose(bool disposing)
    {
        disposed = true;
        attached.Fail(new ObjectDisposedException(nameof(TlsInnerStream)));
        base.Dispose(disposing);
    }
}
