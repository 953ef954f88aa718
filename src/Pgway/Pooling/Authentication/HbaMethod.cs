namespace Pgway.Pooling.Authentication;

/// <summary>The authentication methods of pg_hba.conf that PgBouncer's <c>auth_hba_file</c> supports.</summary>
internal enum HbaMethod
{
    Trust,
    Reject,
    Md5,
    Password,
    ScramSha256,

    /// <summary>A TLS client certificate (needs client TLS).</summary>
    Cert,

    /// <summary>The OS user of a UNIX-socket peer.</summary>
    Peer,
}
