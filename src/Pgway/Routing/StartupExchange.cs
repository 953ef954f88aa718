using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Routing;

/// <summary>
/// The start of an L4 session, before the splice: the client's first packet (a start-up packet,
/// an SSLRequest, a CancelRequest, or whatever bytes it sends first) is read whole by pgway, and
/// the member's first answer to it is awaited for a bounded time before anything is passed back.
/// A member that accepts TCP but never answers (a stopped postmaster, whose kernel still completes
/// handshakes) is thus found before the client has seen a byte, and the same packet can go to
/// another member. Once the member has answered, the bytes are only spliced.
/// </summary>
/// <remarks>
/// Runs once per session, not per message: on Linux on an epoll loop (the sockets are attached for
/// the exchange and detached before <see cref="Splice"/> takes them, so the .NET socket engine
/// never registers them); elsewhere on .NET's sockets.
/// </remarks>
internal static partial class StartupExchange
{
    private const int CancelRequestCode = 80877102;
    private const int HeaderLength = 8;
    private const int FirstRead = 512;

    /// <summary>
    /// Reads the client's first packet: complete when its length says so; bytes that are not a
    /// start-up packet (no sane length) are taken as they came, for the member to reject as before.
    /// Null when the client left or sent nothing whole within <paramref name="timeout"/>.
    /// </summary>
    public static Task<byte[]?> ReadFirstPacketAsync(EpollLoopGroup loops, Socket client, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loops);
        ArgumentNullException.ThrowIfNull(client);
        return Splice.UsesEpoll
            ? ReadFirstPacketOnLoopAsync(loops.Next(), client, timeout, time, cancellationToken)
            : ReadFirstPacketOnSocketsAsync(client, timeout, time, cancellationToken);
    }

    /// <summary>
    /// Sends the client's first packet to the member and passes the member's first answer back,
    /// waiting for it at most <paramref name="timeout"/>.
    /// </summary>
    /// <returns>The outcome, and how many bytes of the answer reached the client.</returns>
    public static Task<(FirstAnswer Outcome, int Answered)> RelayFirstAnswerAsync(
        EpollLoopGroup loops, Socket client, Socket server, ReadOnlyMemory<byte> packet, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loops);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(server);
        return Splice.UsesEpoll
            ? RelayOnLoopAsync(loops.Next(), client, server, packet, timeout, time, cancellationToken)
            : RelayOnSocketsAsync(client, server, packet, timeout, time, cancellationToken);
    }

    /// <summary>A CancelRequest: 16 bytes, the cancel code, a process id and a secret key.</summary>
    public static bool IsCancelRequest(ReadOnlySpan<byte> packet) =>
        packet.Length == 16 && BinaryPrimitives.ReadInt32BigEndian(packet) == 16 && BinaryPrimitives.ReadInt32BigEndian(packet[4..]) == CancelRequestCode;

    // How many bytes the first packet needs in all: 0 when more must be read to tell, -1 when the
    // bytes are not a start-up packet (taken as they are).
    internal static int Needed(ReadOnlySpan<byte> received)
    {
        if (received.Length < 4)
        {
            return 0;
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(received);
        return length is < HeaderLength or > StartupPacketReader.MaxLength ? -1 : length;
    }

    // Taken whole once the length is known, or as it came when it is not a packet.
    private static bool Complete(ref byte[] buffer, int have)
    {
        var needed = Needed(buffer.AsSpan(0, have));
        if (needed < 0 || (needed > 0 && have >= needed))
        {
            return true;
        }
        if (needed > buffer.Length)
        {
            Array.Resize(ref buffer, needed);
        }
        return false;
    }

    private static async Task<byte[]?> ReadFirstPacketOnSocketsAsync(Socket client, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var expiry = new CancellationTokenSource(timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        var buffer = new byte[FirstRead];
        var have = 0;
        try
        {
            while (true)
            {
                var read = await client.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, deadline.Token);
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
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return null;
        }
    }

    private static async Task<(FirstAnswer, int)> RelayOnSocketsAsync(
        Socket client, Socket server, ReadOnlyMemory<byte> packet, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var expiry = new CancellationTokenSource(timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        var buffer = ArrayPool<byte>.Shared.Rent(Splice.BufferSize);
        try
        {
            int read;
            try
            {
                await server.SendAsync(packet, SocketFlags.None, deadline.Token);
                read = await server.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
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
            for (var sent = 0; sent < read;)
            {
                sent += await client.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, cancellationToken);
            }
            return (FirstAnswer.Answered, read);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return (FirstAnswer.Gone, 0);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
