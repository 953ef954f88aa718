using System.Net.Security;
using System.Net.Sockets;
using Pgway.Transport;

namespace Pgway.Pooling.Tls;

/// <summary>
/// A TLS connection on an epoll loop, as a pooler session uses one (<see cref="ILoopTransport"/>): an
/// <see cref="SslStream"/> over the loop socket, whose awaits complete inline on the loop's thread.
/// Decrypted bytes are read into a buffer of its own; <see cref="TryReceive"/> hands out what is there
/// and starts the next read when it is empty. A read that has to wait for the network stays under way
/// (only this class reads the SslStream, one read at a time) and <see cref="WaitReadableAsync"/> waits
/// for it, so a woken or cancelled wait never leaves the SslStream half way through a record.
/// </summary>
internal sealed class TlsTransport : ILoopTransport
{
    // One TLS record's plaintext at most: an SslStream read never returns more.
    private const int BufferSize = 16 * 1024;

    private readonly SslStream ssl;
    private readonly TlsInnerStream inner;
    private readonly Socket raw;
    private readonly LoopWaiter readable = new();
    private readonly byte[] plain = new byte[BufferSize];
    private EpollLoop loop;
    private int plainStart;
    private int plainEnd;
    // A read of the SslStream under way, waiting for the network.
    private Task? reading;
    private bool ended;
    private Exception? failure;

    private TlsTransport(EpollLoop loop, LoopSocket socket, Socket raw, ReadOnlyMemory<byte> prefix)
    {
        this.loop = loop;
        this.raw = raw;
        inner = new TlsInnerStream(socket, prefix);
        ssl = new SslStream(inner, leaveInnerStreamOpen: false);
    }

    /// <summary>The TLS session, once the handshake is done (protocol, ALPN, the peer's certificate).</summary>
    public SslStream Session => ssl;

    /// <summary>
    /// On the loop: the server side of a handshake with a client over <paramref name="socket"/>, after
    /// <paramref name="prefix"/> (what the client sent already, for a direct TLS handshake). On failure
    /// the socket is left open, for its owner to answer or close.
    /// </summary>
    /// <exception cref="TlsHandshakeException">The handshake failed.</exception>
    public static Task<TlsTransport> AcceptAsync(EpollLoop loop, LoopSocket socket, Socket raw, ReadOnlyMemory<byte> prefix,
        SslServerAuthenticationOptions options, CancellationToken cancellationToken) =>
        HandshakeAsync(new TlsTransport(loop, socket, raw, prefix), t => t.ssl.AuthenticateAsServerAsync(options, cancellationToken));

    /// <summary>On the loop: the client side of a handshake with a server, which has answered an SSLRequest with 'S'.</summary>
    /// <exception cref="TlsHandshakeException">The handshake failed (the server's certificate too).</exception>
    public static Task<TlsTransport> ConnectAsync(EpollLoop loop, LoopSocket socket, Socket raw,
        SslClientAuthenticationOptions options, CancellationToken cancellationToken) =>
        HandshakeAsync(new TlsTransport(loop, socket, raw, ReadOnlyMemory<byte>.Empty), t => t.ssl.AuthenticateAsClientAsync(options, cancellationToken));

    private static async Task<TlsTransport> HandshakeAsync(TlsTransport transport, Func<TlsTransport, Task> handshake)
    {
        try
        {
            await handshake(transport);
        }
        catch (Exception e)
        {
            transport.ssl.Dispose();
            await transport.loop.SwitchTo();
            if (Unwrap(e) is OperationCanceledException cancelled)
            {
                throw cancelled;
            }
            throw new TlsHandshakeException(Describe(e), e);
        }
        await transport.loop.SwitchTo();
        return transport;
    }

    public bool ReadableReported =>
        plainStart < plainEnd || ended || failure is not null || (reading is null && inner.Socket is { ReadableReported: true });

    /// <summary>While detached: whether anything came that was not read (the connection is then not usable).</summary>
    public bool HasPendingInput => plainStart < plainEnd || ended || failure is not null || !LoopSocket.IsQuiet(raw);

    public int TryReceive(Span<byte> buffer)
    {
        if (plainStart == plainEnd && !Fill())
        {
            if (failure is not null)
            {
                throw Unwrap(failure);
            }
            return ended ? 0 : -1;
        }
        var count = Math.Min(buffer.Length, plainEnd - plainStart);
        plain.AsSpan(plainStart, count).CopyTo(buffer);
        plainStart += count;
        return count;
    }

    public ValueTask WaitReadableAsync()
    {
        if (plainStart < plainEnd || ended || failure is not null || Fill() || reading is null)
        {
            return ValueTask.CompletedTask;
        }
        return readable.Start();
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        try
        {
            await ssl.WriteAsync(data);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or InvalidOperationException)
        {
            throw Unwrap(e);
        }
        if (!loop.IsCurrent)
        {
            await loop.SwitchTo();
        }
    }

    public void ForgetConsumedReadable() => inner.Socket?.ForgetConsumedReadable();

    public void WakeWaits() => readable.Complete();

    public void CancelWaits()
    {
        readable.Fail(new OperationCanceledException("the wait on this connection was cancelled"));
        // A read under way goes on: cancelling it would leave the TLS session half way through a record.
        inner.Socket?.CancelSendWait();
    }

    /// <summary>On its loop, with no wait or send under way but a read: leaves the loop, for a client on another.</summary>
    public void Detach()
    {
        WakeWaits();
        if (inner.Socket is { } socket)
        {
            inner.Detach();
            socket.Detach();
        }
    }

    /// <summary>On <paramref name="target"/>'s thread: serves the connection there; a read under way goes on there.</summary>
    public void Attach(EpollLoop target)
    {
        if (inner.Socket is not null)
        {
            return;
        }
        loop = target;
        inner.Attach(LoopSocket.Attach(target, raw));
    }

    public void Dispose()
    {
        ended = true;
        readable.Fail(new ObjectDisposedException(nameof(TlsTransport)));
        if (inner.Socket is { } socket)
        {
            // Ends a read under way first, then the TLS session.
            socket.Dispose();
        }
        else
        {
            raw.Dispose();
        }
        ssl.Dispose();
    }

    // True when decrypted bytes are there now; otherwise a read is under way, or the stream ended or failed.
    private bool Fill()
    {
        if (reading is not null || ended || failure is not null)
        {
            return false;
        }
        plainStart = plainEnd = 0;
        ValueTask<int> read;
        try
        {
            read = ssl.ReadAsync(plain);
        }
        catch (Exception e)
        {
            failure = e;
            return false;
        }
        if (!read.IsCompleted)
        {
            reading = AwaitReadAsync(read);
            return false;
        }
        try
        {
            Take(read.Result);
        }
        catch (Exception e)
        {
            failure = e;
        }
        return plainEnd > 0;
    }

    private async Task AwaitReadAsync(ValueTask<int> read)
    {
        try
        {
            Take(await read);
        }
        catch (Exception e)
        {
            failure = e;
        }
        if (!loop.IsCurrent)
        {
            // SslStream's continuations run inline on the loop's thread; this is for the odd one that does not.
            await loop.SwitchTo();
        }
        reading = null;
        readable.Complete();
    }

    private void Take(int read)
    {
        if (read == 0)
        {
            ended = true;
        }
        plainEnd = read;
    }

    // What a session expects from a connection: the socket's own error, a cancellation or a disposal;
    // anything else the TLS layer says (a bad record, an alert) is a reset connection.
    private static Exception Unwrap(Exception e)
    {
        for (var cause = e; cause is not null; cause = cause.InnerException)
        {
            if (cause is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                return cause;
            }
        }
        return new SocketException((int)SocketError.ConnectionReset, $"TLS: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : "")}");
    }

    private static string Describe(Exception e) =>
        e.InnerException is { } inner && inner.Message != e.Message ? $"{e.Message} ({inner.Message})" : e.Message;
}
