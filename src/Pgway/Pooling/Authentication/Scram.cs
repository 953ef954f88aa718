using System.Security.Cryptography;
using System.Text;

namespace Pgway.Pooling.Authentication;

/// <summary>SCRAM-SHA-256's functions (RFC 5802, RFC 7677) and the parsing its messages share.</summary>
internal static class Scram
{
    public const string Mechanism = "SCRAM-SHA-256";

    /// <summary>base64("n,,"): the channel-binding attribute of a client that does no channel binding.</summary>
    public const string NoChannelBinding = "biws";

    /// <summary>base64("y,,"): a client that could bind but believes the server cannot.</summary>
    public const string NoChannelBindingSupported = "eSws";

    /// <summary>
    /// Hi(password, salt, i) = PBKDF2-HMAC-SHA-256. PostgreSQL prepares the password with SASLprep
    /// and uses the raw bytes when that fails; for ASCII passwords (the usual case) both are the
    /// bytes themselves. Other passwords are normalized (NFKC), which is SASLprep's main step.
    /// </summary>
    public static byte[] SaltedPassword(string password, byte[] salt, int iterations)
    {
        var prepared = password;
        if (!Ascii.IsValid(password))
        {
            try
            {
                prepared = password.Normalize(NormalizationForm.FormKC);
            }
            catch (PlatformNotSupportedException)
            {
                // Invariant globalization without normalization data: the raw bytes, as PostgreSQL's fallback.
            }
        }
        return Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(prepared), salt, iterations, HashAlgorithmName.SHA256, 32);
    }

    public static byte[] Hmac(byte[] key, string text) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text));

    public static byte[] Xor(byte[] a, byte[] b)
    {
        var result = new byte[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            result[i] = (byte)(a[i] ^ b[i]);
        }
        return result;
    }

    /// <summary>A nonce of 18 random bytes in base64, as PostgreSQL makes them (printable, no comma).</summary>
    public static string NewNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));

    /// <summary>The attributes of a message (<c>a=value,b=value</c>), in order; false when malformed.</summary>
    public static bool TryParseAttributes(string message, out List<KeyValuePair<char, string>> attributes)
    {
        attributes = [];
        foreach (var part in message.Split(','))
        {
            if (part.Length < 2 || part[1] != '=' || !char.IsAsciiLetter(part[0]))
            {
                return false;
            }
            attributes.Add(new(part[0], part[2..]));
        }
        return true;
    }
}
