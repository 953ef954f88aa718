namespace Pgway.Model;

/// <summary>PgBouncer's <c>auth_type</c>: how the pooler checks a client that logs in.</summary>
internal enum AuthType
{
    /// <summary>Each client's method comes from the hba rules (<c>auth_hba_file</c>, else Pigsty's rendered pgb_hba.conf).</summary>
    Hba,

    /// <summary>SCRAM-SHA-256 for every client.</summary>
    ScramSha256,

    /// <summary>MD5 for every client (SCRAM when only a SCRAM verifier is known).</summary>
    Md5,

    /// <summary>The password in clear text.</summary>
    Plain,

    /// <summary>No password asked.</summary>
    Trust,

    /// <summary>As <see cref="Trust"/> (PgBouncer's <c>any</c>).</summary>
    Any,

    /// <summary>A client certificate (refused: pgway does not check them yet).</summary>
    Cert,
}
