using System.Buffers;
using System.Net.Sockets;
using Pgway.Protocol;

namespace Pgway.Transport;

/// <summary>
/// Turns a client away the way PostgreSQL would: read its start-up packet (declining TLS with 'N'
/// so the client sends a plain one) and answer with an ErrorResponse naming the service and the
/// limit, instead of a bare reset the client can only report as "server closed the connection".
/// A client that sends nothing usable within the wait just gets closed.
/// </summary>
internal static class ClientRefusal
{
    private static readonly ReadOnlyMemory<byte> NoEncryption = "N"u8.ToArray();

    /// <summary>
    /// Turns a client away at accept, before it has sent anything, without holding its socket: the
    /// ErrorResponse is written at once (a new socket's send buffer always has room for it) and the
    /// socket closed, as PostgreSQL's postmaster answers a client it cannot fork a backend for. A
    /// client that sends its start-up packet (or an SSLRequest) finds the error waiting.
    /// </summary>
    public static void RefuseAtAccept(Socket client, string sqlState, string message)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            var error = new ArrayBufferWriter<byte>(256);
            ErrorResponseWriter.Write(error, ErrorSeverity.Fatal, sqlState, message);
            client.Blocking = false;
            client.Send(error.WrittenSpan, SocketFlags.None, out _);
            client.Shutdown(SocketShutdown.Send);
            // Closing with unread bytes resets the connection, which may drop the error on its way:
            // what the client has sent already is read and let go.
            Span<byte> discard = stackalloc byte[512];
            for (var i = 0; i < 16 && client.Receive(discard, SocketFlags.None, out var status) > 0 && status == SocketError.Success; i++)
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Gone already: closing is all that is left.
        }
        finally
        {
            client.Dispose();
        }
    }

    public static Task RefuseAsync(Socket client, string sqlState, string message, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken) =>
        RefuseAsync(client, ReadOnlyMemory<byte>.Empty, sqlState, message, wait, time, cancellationToken);

    /// <summary>As <see cref="RefuseAsync(Socket, string, string, TimeSpan, TimeProvider, CancellationToken)"/>, for a client whose first bytes (<paramref name="received"/>) were already read.</summary>
    public static async Task RefuseAsync(Socket client, ReadOnlyMemory<byte> received, string sqlState, string message, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var expiry = new CancellationTokenSource(wait, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        var pending = new ArrayBufferWriter<byte>(Math.Max(512, received.Length));
        pending.Write(received.Span);
        try
        {
            while (true)
            {
                var buffer = new ReadOnlySequence<byte>(pending.WrittenMemory);
                var status = StartupPacketReader.TryRead(ref buffer, out var packet, out _);
                if (status == StartupReadStatus.Invalid)
                {
                    return;
                }
                if (status == StartupReadStatus.Incomplete)
                {
                    var read = await client.ReceiveAsync(pending.GetMemory(512), SocketFlags.None, deadline.Token);
                    if (read == 0)
                    {
                        return;
                    }
                    pending.Advance(read);
                    continue;
                }
                if (packet!.Kind is StartupPacketKind.SslRequest or StartupPacketKind.GssEncRequest)
                {
                    await client.SendAsync(NoEncryption, SocketFlags.None, deadline.Token);
                    pending.Clear();
                    continue;
                }
                if (packet.Kind == StartupPacketKind.Startup)
                {
                    var error = new ArrayBufferWriter<byte>(256);
                    ErrorResponseWriter.Write(error, ErrorSeverity.Fatal, sqlState, message);
                    await client.SendAsync(error.WrittenMemory, SocketFlags.None, deadline.Token);
                }
                return;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The client went away or sent nothing in time: nothing more to say to it.
        }
    }
}
