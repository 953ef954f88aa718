namespace Pgway.Model;

/// <summary>
/// PgBouncer's <c>client_tls_sslmode</c> and <c>server_tls_sslmode</c> (libpq's <c>sslmode</c> names),
/// in order of strictness.
/// </summary>
internal enum TlsMode
{
    /// <summary>No TLS: a client's SSLRequest is answered 'N'; no SSLRequest is sent to the server.</summary>
    Disable,

    /// <summary>As <see cref="Prefer"/> (PgBouncer treats them alike).</summary>
    Allow,

    /// <summary>TLS when the other side wants it (client) or accepts it (server), else plaintext; no certificate is checked.</summary>
    Prefer,

    /// <summary>TLS or nothing; no certificate is checked.</summary>
    Require,

    /// <summary>TLS, and the peer's certificate must chain to the configured CA (clients must present one).</summary>
    VerifyCa,

    /// <summary>As <see cref="VerifyCa"/>, and the server's certificate must also name the host pgway connected to.</summary>
    VerifyFull,
}
