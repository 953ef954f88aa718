namespace Pgway.Pooling.Tls;

/// <summary>A TLS handshake failed (the peer's certificate was refused, no common protocol, an alert…).</summary>
internal sealed class TlsHandshakeException(string message, Exception inner) : Exception(message, inner);
