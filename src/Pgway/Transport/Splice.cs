using System.Buffers;
using System.Net;
using System.Net.Sockets;


namespace Pgway.Transport;

/// <summary>
/// Moves bytes both ways between a client and a server socket with no per-message work: the L4 path
/// of a service. Each direction waits for data with a zero-byte receive before renting a buffer, so
/// an idle session holds no buffer; it writes before reading again, so a slow reader slows its
/// writer (backpressure through the kernel's socket buffers); an end of stream from one side is
/// passed on as a half-close, and the splice ends when both directions have ended.
/// </summary>
internal static class Splice
{
    /// <summary>Large enough for bulk results, small enough that thousands of busy sessions stay cheap.</summary>
    public const int BufferSize = 16 * 1024;

    /// <summary>On Linux the splice runs on pgway's own epoll loops (see <see cref="EpollSplice"/>); elsewhere on .NET's socket engine.</summary>
    public static bool UsesEpoll { get; } = EpollInterop.IsSupported;

    /// <summary>Splices until both directions have ended, one side fails, or the token is cancelled; on the next of <paramref name="loops"/>.</summary>
    /// <remarks>The sockets must be connected and have no operation under way; the caller disposes them after.</remarks>
    public static Task<SpliceEnd> RunAsync(EpollLoopGroup loops, Socket client, Socket server, SpliceCounters counters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loops);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(counters);
        return UsesEpoll
            ? EpollSplice.RunAsync(loops.Next(), client, server, counters, cancellationToken)
            : RunOnSocketsAsync(client, server, counters, cancellationToken);
    }

    /// <summary>Connects a socket that will be spliced, on the engine the splice uses.</summary>
    public static Task ConnectAsync(EpollLoopGroup loops, Socket socket, EndPoint endPoint, CancellationToken cancellationToken) =>
        UsesEpoll ? EpollConnect.ConnectAsync(loops.Next(), socket, endPoint, cancellationToken) : socket.ConnectAsync(endPoint, cancellationToken).AsTask();

    /// <summary>The splice on .NET's socket engine: zero-byte receives, pooled buffers, half-close.</summary>
    internal static async Task<SpliceEnd> RunOnSocketsAsync(Socket client, Socket server, SpliceCounters counters, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = PumpAsync(client, server, counters.AddFromClient, failed);
        var down = PumpAsync(server, client, counters.AddToClient, failed);
        var ends = await Task.WhenAll(up, down);
        if (cancellationToken.IsCancellationRequested)
        {
            return SpliceEnd.Stopped;
        }
        return ends[0] && ends[1] ? SpliceEnd.Closed : SpliceEnd.Failed;
    }

    // True when the direction ended in order (end of stream passed on), false when it failed.
    private static async Task<bool> PumpAsync(Socket from, Socket to, Action<int> count, CancellationTokenSource failed)
    {
        var token = failed.Token;
        try
        {
            while (true)
            {
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, token);
                var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, token);
                    if (read == 0)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        return true;
                    }
                    for (var sent = 0; sent < read;)
                    {
                        sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, token);
                    }
                    count(read);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A reset on one side, or a stop: the other direction has nothing left to do either.
            await failed.CancelAsync();
            return false;
        }
    }
}
