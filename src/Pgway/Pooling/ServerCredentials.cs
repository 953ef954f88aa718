using Pgway.Pooling.Authentication;

namespace Pgway.Pooling;

/// <summary>
/// What pgway logs in to a server with, for one user: the password (or its MD5 hash, enough for
/// MD5), or a client's ClientKey recovered from its SCRAM proof together with the verifier it was
/// checked against (enough for SCRAM when the server holds the same verifier).
/// </summary>
internal sealed record ServerCredentials(string User, string? Password = null, ScramVerifier? Verifier = null, byte[]? ClientKey = null)
{
    /// <summary>Can answer a SCRAM challenge.</summary>
    public bool CanScram => (Password is not null && !Md5Password.IsHash(Password)) || (Verifier is not null && ClientKey is not null);
}
