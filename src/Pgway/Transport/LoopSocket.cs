using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Pgway.Transport.EpollInterop;

namespace Pgway.Transport;

/// <summary>
/// A socket served by one <see cref="EpollLoop"/>, for code written with <c>async</c>/<c>await</c>
/// that runs on the loop's thread like a coroutine: waiting for readability or writability
/// completes inline on that thread when the kernel reports it, so a session's awaits never hop
/// threads and never cost a speculative system call. Every member must be used on the loop's thread.
/// </summary>
/// <remarks>
/// Registered once, edge-triggered, for input and output: the kernel reports each new arrival (or
/// room to write) once, and no system call changes the interest as waits come and go. A report
/// with nobody waiting is remembered, so the next wait completes at once; callers always try the
/// receive or send first and wait only when it would block, which is what edge-triggering needs.
/// </remarks>
internal sealed class LoopSocket : IEpollTarget, ILoopTransport
{
    private readonly EpollLoop loop;
    private readonly Socket socket;
    private readonly LoopWaiter readable = new();
    private readonly LoopWaiter writable = new();
    private bool referenced;
    private ulong token;
    private bool readableReported;
    private bool writableReported = true;
    // A receive found the kernel's buffer empty (or emptied it): with edge-triggered events, bytes
    // arriving after it are reported, so until then another receive would only say "nothing yet".
    // Not once the peer has closed or failed: recv stops short at the end of stream, which the
    // next recv reports, and no further event would come to say so.
    private bool drained;
    private bool peerClosed;

    private LoopSocket(EpollLoop loop, Socket socket)
    {
        this.loop = loop;
        this.socket = socket;
    }

    // -1 once disposed: the number may belong to another connection by then (any thread may open one),
    // which a late send or receive on this socket must never reach.
    private int Fd { get; set; } = -1;

    /// <summary>On the loop's thread: takes over a connected socket (made non-blocking, registered edge-triggered).</summary>
    public static LoopSocket Attach(EpollLoop loop, Socket socket)
    {
        socket.Blocking = false;
        var attached = new LoopSocket(loop, socket);
        socket.SafeHandle.DangerousAddRef(ref attached.referenced);
        attached.Fd = (int)socket.SafeHandle.DangerousGetHandle();
        attached.token = loop.Register(attached.Fd, In | Out | PeerHangUp | EdgeTriggered, attached);
        if (attached.token == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            attached.Dispose();
            throw new SocketException((int)ToSocketError(errno));
        }
        return attached;
    }

    /// <summary>Completes when bytes (or an end of stream, or an error) can be read.</summary>
    public ValueTask WaitReadableAsync() => Wait(readable, ref readableReported);

    /// <summary>Completes when bytes can be written (or the socket failed).</summary>
    public ValueTask WaitWritableAsync() => Wait(writable, ref writableReported);

    /// <summary>Something arrived (or the peer closed or failed) since the last wait: for an idle server, a sign it is no longer usable.</summary>
    public bool ReadableReported => readableReported;

    /// <summary>Reads what is there without waiting: the count, 0 at end of stream, or -1 when nothing is there yet.</summary>
    /// <exception cref="SocketException">The connection failed (reset, …).</exception>
    public unsafe int TryReceive(Span<byte> buffer)
    {
        ThrowIfGone();
        if (drained)
        {
            // Saves the system call that would answer EAGAIN: one per message on a request/response protocol.
            return -1;
        }
        fixed (byte* data = buffer)
        {
            int result;
            while ((result = Outcome(recv(Fd, data, buffer.Length, 0))) == Retry)
            {
            }
            drained = !peerClosed && (result < 0 || (result > 0 && result < buffer.Length));
            return result;
        }
    }

    /// <summary>Writes all of <paramref name="data"/>, waiting for room when the kernel's buffer is full.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var sent = TrySend(data.Span);
            if (sent < 0)
            {
                await WaitWritableAsync();
                continue;
            }
            data = data[sent..];
        }
    }

    /// <summary>Half-closes: the peer reads an end of stream.</summary>
    public void ShutdownSend()
    {
        ThrowIfGone();
        shutdown(Fd, 1);
    }

    private void ThrowIfGone()
    {
        if (Fd < 0)
        {
            throw new ObjectDisposedException(nameof(LoopSocket), "the socket was closed");
        }
    }

    public void OnEvents(uint events)
    {
        // Errors and hang-ups wake both sides: the next receive or send reports what happened.
        if ((events & (PeerHangUp | Error | HangUp)) != 0)
        {
            peerClosed = true;
        }
        if ((events & (In | PeerHangUp | Error | HangUp)) != 0)
        {
            drained = false;
            if (!readable.Complete())
            {
                readableReported = true;
            }
        }
        if ((events & (Out | Error | HangUp)) != 0 && !writable.Complete())
        {
            writableReported = true;
        }
    }

    /// <summary>
    /// Forgets a readability report that a receive since has used up (checked with a peek, only when
    /// there is a report): an idle server must not look suspicious for bytes already forwarded.
    /// </summary>
    public void ForgetConsumedReadable()
    {
        if (readableReported && IsQuiet(socket))
        {
            readableReported = false;
        }
    }

    /// <summary>Completes waits under way normally (the waiter must see for itself why): cheaper than an exception.</summary>
    public void WakeWaits()
    {
        readable.Complete();
        writable.Complete();
    }

    /// <summary>Ends waits under way with <see cref="OperationCanceledException"/> (the socket stays usable).</summary>
    public void CancelWaits()
    {
        readable.Fail(new OperationCanceledException("the wait on this socket was cancelled"));
        writable.Fail(new OperationCanceledException("the wait on this socket was cancelled"));
    }

    /// <summary>Ends a wait for room to write with <see cref="OperationCanceledException"/>; a wait for input goes on.</summary>
    public void CancelSendWait() => writable.Fail(new OperationCanceledException("the wait on this socket was cancelled"));

    /// <summary>
    /// Whether an idle connection is still good: nothing to read (a closed or killed server has its
    /// end of stream or error message waiting), without taking any byte. Any thread; the socket must
    /// not be in use.
    /// </summary>
    public static unsafe bool IsQuiet(Socket socket)
    {
        var referenced = false;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref referenced);
            byte probe;
            var read = recv((int)socket.SafeHandle.DangerousGetHandle(), &probe, 1, 0x2 /* MSG_PEEK */ | 0x40 /* MSG_DONTWAIT */);
            return read < 0 && Marshal.GetLastPInvokeError() == TryAgain;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (referenced)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Stops serving the socket on this loop and gives it back, open, for another loop to attach.
    /// A wait under way completes normally (no exception: this happens once per pooled transaction);
    /// the waiter must see for itself that the socket is no longer its own.
    /// </summary>
    public Socket Detach()
    {
        WakeWaits();
        if (token != 0)
        {
            loop.Unregister(Fd, token);
            token = 0;
        }
        if (referenced)
        {
            socket.SafeHandle.DangerousRelease();
            referenced = false;
        }
        return socket;
    }

    public void Dispose()
    {
        if (token != 0)
        {
            loop.Unregister(Fd, token);
            token = 0;
        }
        if (referenced)
        {
            socket.SafeHandle.DangerousRelease();
            referenced = false;
        }
        readable.Fail(new ObjectDisposedException(nameof(LoopSocket)));
        writable.Fail(new ObjectDisposedException(nameof(LoopSocket)));
        socket.Dispose();
        Fd = -1;
    }

    private unsafe int TrySend(ReadOnlySpan<byte> data)
    {
        ThrowIfGone();
        fixed (byte* bytes = data)
        {
            int result;
            while ((result = Outcome(send(Fd, bytes, data.Length, NoSignal))) == Retry)
            {
            }
            return result;
        }
    }

    // What a recv or send returned: the byte count; -1 when it would block; Retry when a signal cut
    // it short and it should be repeated; otherwise the error, thrown.
    private static int Outcome(nint result)
    {
        if (result >= 0)
        {
            return (int)result;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            TryAgain => -1,
            Interrupted => Retry,
            _ => throw new SocketException((int)ToSocketError(errno)),
        };
    }

    private const int Retry = -2;

    private ValueTask Wait(LoopWaiter waiter, ref bool reported)
    {
        if (token == 0)
        {
            return ValueTask.FromException(new ObjectDisposedException(nameof(LoopSocket)));
        }
        if (reported)
        {
            // Reported while nobody waited: maybe already used up by a receive since, which then says so.
            reported = false;
            return ValueTask.CompletedTask;
        }
        return waiter.Start();
    }
}
