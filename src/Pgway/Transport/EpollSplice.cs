using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Pgway.Transport.EpollInterop;

namespace Pgway.Transport;

/// <summary>
/// The splice on an <see cref="EpollLoop"/>: both sockets of a session on one thread, woken by the
/// kernel only when a socket is ready, so a message costs one receive and one send — no speculative
/// read that finds nothing, as every .NET socket operation starts with. Semantics are those of
/// <see cref="Splice"/>: a buffer is rented only while bytes are in hand (an idle session holds none);
/// what the receiver cannot take yet stays pending and its sender is not read until it is written
/// (backpressure); an end of stream is passed on as a half-close; a reset or error ends both ways.
/// </summary>
internal sealed class EpollSplice
{
    private readonly EpollLoop loop;
    private readonly Side client;
    private readonly Side server;
    private readonly SpliceCounters counters;
    private readonly TaskCompletionSource<SpliceEnd> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationToken cancellation;
    private CancellationTokenRegistration stopping;
    private bool finished;

    private EpollSplice(EpollLoop loop, Socket client, Socket server, SpliceCounters counters, CancellationToken cancellation)
    {
        this.loop = loop;
        this.client = new Side(this, client);
        this.server = new Side(this, server);
        this.client.Peer = this.server;
        this.server.Peer = this.client;
        this.counters = counters;
        this.cancellation = cancellation;
    }

    public static async Task<SpliceEnd> RunAsync(EpollLoop loop, Socket client, Socket server, SpliceCounters counters, CancellationToken cancellationToken)
    {
        client.Blocking = false;
        server.Blocking = false;
        var session = new EpollSplice(loop, client, server, counters, cancellationToken);
        loop.Post(session.Start);
        var end = await session.done.Task.ConfigureAwait(false);
        return cancellationToken.IsCancellationRequested ? SpliceEnd.Stopped : end;
    }

    private void Start()
    {
        if (cancellation.IsCancellationRequested || !client.Open() || !server.Open())
        {
            Finish(SpliceEnd.Failed);
            return;
        }
        stopping = cancellation.UnsafeRegister(static state =>
        {
            var session = (EpollSplice)state!;
            session.loop.Post(() => session.Finish(SpliceEnd.Stopped));
        }, this);
    }

    private void OnEvents(Side side, uint events)
    {
        if (finished)
        {
            return;
        }
        var acted = false;
        // Writable (or failed) with bytes waiting for it: the other side's pending data goes first.
        if (side.Peer.Pending is not null && (events & (Out | Error | HangUp)) != 0)
        {
            Flush(side);
            acted = true;
        }
        if (!finished && side.WantsInput && (events & (In | Error | HangUp)) != 0)
        {
            Forward(side);
            acted = true;
        }
        if (finished || acted || (events & (Error | HangUp)) == 0)
        {
            return;
        }
        if ((events & Error) == 0 && side.Pending is not null)
        {
            // Hung up (its end of stream is in, after data we have not read yet) while its bytes
            // wait for the peer to take them: leave the set until they are written, or the hang-up
            // would be reported without end.
            loop.Suspend(side.Fd);
            side.Suspended = true;
            return;
        }
        // A reset, or a hang-up with nothing left to do for the socket: nothing more can pass.
        Finish(client.Ended && server.Ended && client.Pending is null && server.Pending is null ? SpliceEnd.Closed : SpliceEnd.Failed);
    }

    // Reads what `from` has and writes it to its peer; what the peer cannot take yet stays pending.
    private unsafe void Forward(Side from)
    {
        var to = from.Peer;
        var buffer = ArrayPool<byte>.Shared.Rent(Splice.BufferSize);
        nint read;
        fixed (byte* data = buffer)
        {
            read = recv(from.Fd, data, buffer.Length, 0);
        }
        if (read > 0)
        {
            var length = (int)read;
            Count(from, length);
            var written = Send(to, buffer, 0, length);
            if (written < 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                Finish(SpliceEnd.Failed);
            }
            else if (written < length)
            {
                from.Pending = buffer;
                from.PendingOffset = written;
                from.PendingCount = length - written;
                Watch(from);
                Watch(to);
            }
            else
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return;
        }
        ArrayPool<byte>.Shared.Return(buffer);
        if (read == 0)
        {
            // End of stream: pass it on as a half-close; the other direction may still run.
            from.Ended = true;
            if (shutdown(to.Fd, 1) < 0)
            {
                Finish(SpliceEnd.Failed);
                return;
            }
            Watch(from);
            if (to.Ended && to.Pending is null)
            {
                Finish(SpliceEnd.Closed);
            }
            return;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno is not (TryAgain or Interrupted))
        {
            Finish(SpliceEnd.Failed);
        }
    }

    // Writes the pending bytes of `to`'s peer; once all are out, reading that peer resumes.
    private void Flush(Side to)
    {
        var from = to.Peer;
        var written = Send(to, from.Pending!, from.PendingOffset, from.PendingCount);
        if (written < 0)
        {
            Finish(SpliceEnd.Failed);
            return;
        }
        from.PendingOffset += written;
        from.PendingCount -= written;
        if (from.PendingCount > 0)
        {
            return;
        }
        ArrayPool<byte>.Shared.Return(from.Pending!);
        from.Pending = null;
        if (from.Suspended)
        {
            // Back in the set: what it still holds (and its end of stream) is reported at once.
            from.Suspended = false;
            from.Interest = In;
            if (!loop.Resume(from.Fd, In, from.Token))
            {
                Finish(SpliceEnd.Failed);
                return;
            }
        }
        Watch(from);
        Watch(to);
        if (from.Ended && to.Ended && to.Pending is null)
        {
            Finish(SpliceEnd.Closed);
        }
    }

    // Bytes written (maybe fewer than asked when the receiver is full), or -1 when the socket failed.
    private static unsafe int Send(Side to, byte[] buffer, int offset, int count)
    {
        var written = 0;
        fixed (byte* data = buffer)
        {
            while (written < count)
            {
                var sent = send(to.Fd, data + offset + written, count - written, NoSignal);
                if (sent > 0)
                {
                    written += (int)sent;
                    continue;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Interrupted)
                {
                    continue;
                }
                return errno == TryAgain ? written : -1;
            }
        }
        return written;
    }

    private void Count(Side from, int bytes)
    {
        if (from == client)
        {
            counters.AddFromClient(bytes);
        }
        else
        {
            counters.AddToClient(bytes);
        }
    }

    // Watch a socket for what it is needed for now: input unless its stream ended or its data is
    // still pending (backpressure), output while its peer has bytes for it.
    private void Watch(Side side)
    {
        var wanted = (side.WantsInput ? In : 0) | (side.Peer.Pending is not null ? Out : 0);
        // A suspended socket gets its interest back when it is resumed.
        if (wanted != side.Interest && !side.Suspended)
        {
            side.Interest = wanted;
            if (!loop.Modify(side.Fd, wanted, side.Token))
            {
                Finish(SpliceEnd.Failed);
            }
        }
    }

    private void Finish(SpliceEnd end)
    {
        if (finished)
        {
            return;
        }
        finished = true;
        stopping.Unregister();
        client.Close();
        server.Close();
        done.TrySetResult(end);
    }

    private sealed class Side(EpollSplice session, Socket socket) : IEpollTarget
    {
        private bool referenced;

        public Side Peer { get; set; } = null!;

        public int Fd { get; private set; } = -1;

        public ulong Token { get; private set; }

        public uint Interest { get; set; }

        /// <summary>Its incoming stream has ended (and the end was passed on).</summary>
        public bool Ended { get; set; }

        /// <summary>Bytes read from this side that its peer has not taken yet.</summary>
        public byte[]? Pending { get; set; }

        public int PendingOffset { get; set; }

        public int PendingCount { get; set; }

        public bool WantsInput => !Ended && Pending is null;

        /// <summary>Out of the epoll set after a hang-up, until its pending bytes are written.</summary>
        public bool Suspended { get; set; }

        // Holds the descriptor open for as long as the loop uses it, whoever disposes the socket.
        public bool Open()
        {
            try
            {
                socket.SafeHandle.DangerousAddRef(ref referenced);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
            Fd = (int)socket.SafeHandle.DangerousGetHandle();
            Interest = In;
            Token = session.loop.Register(Fd, In, this);
            return Token != 0;
        }

        public void Close()
        {
            if (Token != 0)
            {
                session.loop.Unregister(Fd, Token);
                Token = 0;
            }
            if (Pending is not null)
            {
                ArrayPool<byte>.Shared.Return(Pending);
                Pending = null;
            }
            if (referenced)
            {
                socket.SafeHandle.DangerousRelease();
                referenced = false;
            }
        }

        public void OnEvents(uint events) => session.OnEvents(this, events);
    }
}
