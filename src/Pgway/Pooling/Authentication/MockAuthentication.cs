using System.Security.Cryptography;
using System.Text;

namespace Pgway.Pooling.Authentication;

/// <summary>
/// PostgreSQL's mock authentication (<c>scram_mock_salt</c> in auth-scram.c): a user pgway has no
/// usable secret for is challenged exactly as a real one, and fails only at the proof, with the same
/// <c>28P01</c> a wrong password gets, so a client cannot tell which user names exist. The SCRAM salt
/// of such a user is derived from its name and a secret of this process, so it is the same at every
/// try, as a real user's is.
/// </summary>
internal sealed class MockAuthentication
{
    // PostgreSQL keeps its nonce in pg_control (one per cluster, for ever); pgway has no such place, so
    // the secret lives as long as the process — as the salts of users known by a plain-text password do.
    private readonly byte[] key;

    public MockAuthentication(byte[]? key = null)
    {
        this.key = key ?? RandomNumberGenerator.GetBytes(32);
    }

    /// <summary>The 16-byte salt (PostgreSQL's SCRAM_DEFAULT_SALT_LEN) shown for <paramref name="user"/>.</summary>
    public byte[] Salt(string user) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(user))[..16];

    /// <summary>A SCRAM exchange for <paramref name="user"/> that runs to the proof and fails there.</summary>
    public ScramServerExchange Exchange(string user) => ScramServerExchange.Mock(Salt(user), ScramVerifier.DefaultIterations);
}
