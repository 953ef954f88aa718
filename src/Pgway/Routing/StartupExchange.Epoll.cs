using System.Buffers;
using System.Net.Sockets;
using Pgway.Transport;

namespace Pgway.Routing;

// The exchange on an epoll loop: the sockets are attached for it and detached after, open, for
// the splice to take; a timer's expiry is posted to the loop, where it ends the waits under way.
internal static partial class StartupExchange
{
    private static Task<byte[]?> ReadFirstPacketOnLoopAsync(EpollLoop loop, Socket client, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        // The timer starts now, not when the loop gets to the work.
        var expiry = new CancellationTokenSource(timeout, time);
        return loop.RunAsync(async () =>
        {
            using var _ = expiry;
            LoopSocket socket;
            try
            {
                socket = LoopSocket.Attach(loop, client);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return null;
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
            using var waking = deadline.Token.UnsafeRegister(static state =>
            {
                var (loop, socket) = ((EpollLoop, LoopSocket))state!;
                loop.Post(socket.CancelWaits);
            }, (loop, socket));
            var buffer = new byte[FirstRead];
            var have = 0;
            try
            {
                while (!deadline.IsCancellationRequested)
                {
                    var read = socket.TryReceive(buffer.AsSpan(have));
                    if (read < 0)
                    {
                        await socket.WaitReadableAsync();
                        continue;
                    }
                    if (read == 0)
                    {
                        return null;
                    }
                    have += read;
                    if (Complete(ref buffer, have))
                    {
                        return buffer[..have];
                    }
                }
                return null;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                return null;
            }
            finally
            {
                socket.Detach();
            }
        });
    }

    private static Task<(FirstAnswer, int)> RelayOnLoopAsync(
        EpollLoop loop, Socket client, Socket server, ReadOnlyMemory<byte> packet, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var expiry = new CancellationTokenSource(timeout, time);
        return loop.RunAsync(async () =>
        {
            using var _ = expiry;
            LoopSocket? clientSide = null;
            LoopSocket? serverSide = null;
            var buffer = ArrayPool<byte>.Shared.Rent(Splice.BufferSize);
            try
            {
                clientSide = LoopSocket.Attach(loop, client);
                serverSide = LoopSocket.Attach(loop, server);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
                using var waking = deadline.Token.UnsafeRegister(static state =>
                {
                    var (loop, socket) = ((EpollLoop, LoopSocket))state!;
                    loop.Post(socket.CancelWaits);
                }, (loop, serverSide));
                int read;
                try
                {
                    await serverSide.SendAsync(packet);
                    while ((read = serverSide.TryReceive(buffer)) < 0)
                    {
                        deadline.Token.ThrowIfCancellationRequested();
                        await serverSide.WaitReadableAsync();
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return (FirstAnswer.NoAnswer, 0);
                }
                catch (SocketException)
                {
                    return (FirstAnswer.Closed, 0);
                }
                if (read == 0)
                {
                    return (FirstAnswer.Closed, 0);
                }
                // The client's side has room for a first answer; a client that vanished fails here.
                await clientSide.SendAsync(buffer.AsMemory(0, read));
                return (FirstAnswer.Answered, read);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                return (FirstAnswer.Gone, 0);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                serverSide?.Detach();
                clientSide?.Detach();
            }
        });
    }
}
