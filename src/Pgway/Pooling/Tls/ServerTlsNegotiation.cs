using System.Buffers;
using System.Net.Sockets;
using Pgway.Model;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling.Tls;

/// <summary>
/// <c>server_tls_sslmode</c> on a new server connection: an SSLRequest, exactly one byte of answer,
/// then the TLS handshake on 'S', or plaintext on 'N' where the mode allows it.
/// </summary>
internal static class ServerTlsNegotiation
{
    /// <summary>On the loop: the connection to log in over (TLS, or <paramref name="socket"/> itself).</summary>
    /// <exception cref="ServerLoginException">The server refused TLS that the mode requires, or the handshake failed.</exception>
    public static async Task<ILoopTransport> StartAsync(Pooler pooler, EpollLoop loop, LoopSocket socket, Socket raw, System.Net.IPEndPoint backend, CancellationToken cancellationToken)
    {
        var tls = pooler.Tls;
        var mode = tls.ServerMode;
        if (mode == TlsMode.Disable)
        {
            return socket;
        }
        var request = new ArrayBufferWriter<byte>(8);
        FrontendMessages.SslRequest(request);
        await socket.SendAsync(request.WrittenMemory);
        // Exactly one byte: anything the server sent after it belongs to the handshake, where it
        // cannot be mistaken for a message (the client side of CVE-2021-23222).
        var answer = new byte[1];
        int read;
        while ((read = socket.TryReceive(answer)) < 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await socket.WaitReadableAsync();
        }
        if (read == 0)
        {
            throw new ServerLoginException(SqlState.ConnectionFailure, $"pgway: the server {backend} closed the connection when asked for TLS");
        }
        switch (answer[0])
        {
            case (byte)'N' when mode >= TlsMode.Require:
                throw new ServerLoginException(SqlState.ConnectionFailure,
                    $"pgway: the server {backend} does not accept TLS, and server_tls_sslmode is {TlsModes.Name(mode)}");
            case (byte)'N':
                return socket;
            case (byte)'S':
                break;
            default:
                throw new ServerLoginException(SqlState.ConnectionFailure,
                    $"pgway: the server {backend} answered the SSLRequest with '{(char)answer[0]}' instead of 'S' or 'N'");
        }
        string? refused = null;
        try
        {
            return await TlsTransport.ConnectAsync(loop, socket, raw, tls.ServerOptions(backend, why => refused = why), cancellationToken);
        }
        catch (TlsHandshakeException e)
        {
            throw new ServerLoginException(SqlState.ConnectionFailure,
                $"pgway: TLS with the server {backend} failed (server_tls_sslmode {TlsModes.Name(mode)}): {refused ?? e.Message}");
        }
    }
}
