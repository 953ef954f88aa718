using System.Security.Cryptography;
using System.Text;

namespace Pgway.Pooling.Authentication;

/// <summary>
/// PostgreSQL's MD5 authentication: the stored hash is <c>"md5" + md5hex(password + user)</c>, the
/// client answers <c>"md5" + md5hex(md5hex(password + user) + salt)</c>. Knowing the stored hash is
/// enough to answer (the hash is the secret), so a userlist with MD5 hashes can log in to servers.
/// </summary>
internal static class Md5Password
{
    public const string Prefix = "md5";

    /// <summary>Whether <paramref name="secret"/> is a stored MD5 hash rather than a password.</summary>
    public static bool IsHash(string secret) =>
        secret.Length == 35 && secret.StartsWith(Prefix, StringComparison.Ordinal) && secret[3..].All(char.IsAsciiHexDigitLower);

    /// <summary>The hash PostgreSQL stores for this password and user.</summary>
    public static string Hash(string password, string user) => Prefix + Hex(Encoding.UTF8.GetBytes(password + user));

    /// <summary>The answer to an MD5 challenge, from the password or from the stored hash.</summary>
    public static string Answer(string passwordOrHash, string user, ReadOnlySpan<byte> salt)
    {
        var hash = IsHash(passwordOrHash) ? passwordOrHash : Hash(passwordOrHash, user);
        var salted = new byte[32 + salt.Length];
        Encoding.ASCII.GetBytes(hash.AsSpan(3), salted);
        salt.CopyTo(salted.AsSpan(32));
        return Prefix + Hex(salted);
    }

    /// <summary>Whether a client's answer is right, in constant time.</summary>
    public static bool Verify(string answer, string passwordOrHash, string user, ReadOnlySpan<byte> salt) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(answer), Encoding.ASCII.GetBytes(Answer(passwordOrHash, user, salt)));

    // MD5 is PostgreSQL's protocol here, not pgway's choice of hash.
#pragma warning disable CA5351
    private static string Hex(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));
#pragma warning restore CA5351
}
