using Microsoft.Extensions.Logging;
using Pgway.Model;
using Pgway.Pooling.Tls;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

// TLS with the client (client_tls_sslmode): an SSLRequest answered 'S' and the handshake, a direct
// TLS handshake (PostgreSQL 17's sslnegotiation=direct), and the refusals of require and stricter.
internal sealed partial class ClientSession
{
    // The first byte of a TLS record carrying a handshake message: a ClientHello where a start-up packet's length would be.
    private const byte TlsHandshakeRecord = 0x16;

    // An SSLRequest: 'S' and the handshake when client TLS is on (and not on already); false when it is to be answered 'N'.
    private async Task<bool> AcceptSslRequestAsync()
    {
        if (tls.ClientOptions is null || client is not LoopSocket plain)
        {
            return false;
        }
        await plain.SendAsync("S"u8.ToArray());
        return await HandshakeAsync(plain, ReadOnlyMemory<byte>.Empty);
    }

    // A TLS ClientHello instead of a start-up packet. False when the session is to end: client TLS is
    // off (PostgreSQL closes such a connection too), the handshake failed, or no ALPN said postgresql.
    private async Task<bool> AcceptDirectTlsAsync(LoopSocket plain)
    {
        if (tls.ClientOptions is null)
        {
            reason ??= DisconnectReason.ProtocolViolation;
            LogTlsRefused(pooler.Logger, Id, "a direct TLS handshake, and client_tls_sslmode is disable");
            return false;
        }
        // What was read of the ClientHello goes to the handshake first.
        var hello = inbox.AsMemory(inboxStart, inboxEnd - inboxStart).ToArray();
        inboxStart = inboxEnd = 0;
        if (!await HandshakeAsync(plain, hello))
        {
            return false;
        }
        if (((TlsTransport)client).Session.NegotiatedApplicationProtocol != PoolerTls.Alpn)
        {
            // PostgreSQL's rule and words: without ALPN a direct handshake could be another protocol's.
            await RefuseAsync(DisconnectReason.ProtocolViolation, SqlState.ProtocolViolation,
                "received direct SSL connection request without ALPN protocol negotiation extension");
            return false;
        }
        return true;
    }

    private async Task<bool> HandshakeAsync(LoopSocket plain, ReadOnlyMemory<byte> hello)
    {
        try
        {
            client = await TlsTransport.AcceptAsync(loop, plain, rawClient, hello, tls.ClientOptions!, pooler.Stopping);
            return true;
        }
        catch (TlsHandshakeException e)
        {
            reason ??= DisconnectReason.TlsHandshakeFailed;
            LogTlsHandshakeFailed(pooler.Logger, Id, e.Message);
            return false;
        }
    }

    // client_tls_sslmode require and stricter: a client in plaintext is refused; verify-ca and
    // verify-full also want a certificate that chains to client_tls_ca_file (PgBouncer's meaning: the
    // same check for both).
    private async Task<bool> RequireTlsAsync()
    {
        var mode = tls.ClientMode;
        if (mode < TlsMode.Require)
        {
            return true;
        }
        if (client is not TlsTransport secured)
        {
            await RefuseAsync(DisconnectReason.LoginRefused, SqlState.InvalidAuthorizationSpecification,
                $"SSL required: pgway's client_tls_sslmode is {TlsModes.Name(mode)}");
            return false;
        }
        if (mode >= TlsMode.VerifyCa && !tls.IsTrustedClient(secured.Session.RemoteCertificate))
        {
            await RefuseAsync(DisconnectReason.LoginRefused, SqlState.InvalidAuthorizationSpecification,
                "connection requires a valid client certificate");
            return false;
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: client {Session}: the TLS handshake failed: {Error}")]
    private static partial void LogTlsHandshakeFailed(ILogger logger, long session, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: client {Session} refused: {Why}")]
    private static partial void LogTlsRefused(ILogger logger, long session, string why);
}
