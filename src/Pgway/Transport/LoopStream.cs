namespace Pgway.Transport;

/// <summary>
/// A <see cref="Stream"/> over a loop connection (a <see cref="LoopSocket"/> or a TLS one), for the
/// rare exchanges written against streams (logging in to a server): used on the loop's thread, its
/// awaits resume there too.
/// </summary>
internal sealed class LoopStream(ILoopTransport socket) : AsyncOnlyStream
{
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

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        socket.SendAsync(buffer);
}
