using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pgway.Pooling.Authentication;

/// <summary>
/// A SCRAM-SHA-256 verifier as PostgreSQL stores it in <c>pg_authid.rolpassword</c>:
/// <c>SCRAM-SHA-256$&lt;iterations&gt;:&lt;salt&gt;$&lt;StoredKey&gt;:&lt;ServerKey&gt;</c> (base64).
/// It proves a client knows the password without holding the password.
/// </summary>
internal sealed record ScramVerifier(int Iterations, byte[] Salt, byte[] StoredKey, byte[] ServerKey)
{
    public const string Prefix = "SCRAM-SHA-256$";

    /// <summary>PostgreSQL's default <c>scram_iterations</c>.</summary>
    public const int DefaultIterations = 4096;

    public static bool TryParse(string text, out ScramVerifier? verifier)
    {
        verifier = null;
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var parts = text[Prefix.Length..].Split('$');
        if (parts.Length != 2)
        {
            return false;
        }
        var salted = parts[0].Split(':');
        var keys = parts[1].Split(':');
        if (salted.Length != 2 || keys.Length != 2
            || !int.TryParse(salted[0], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            return false;
        }
        try
        {
            var salt = Convert.FromBase64String(salted[1]);
            var storedKey = Convert.FromBase64String(keys[0]);
            var serverKey = Convert.FromBase64String(keys[1]);
            if (salt.Length == 0 || storedKey.Length != 32 || serverKey.Length != 32)
            {
                return false;
            }
            verifier = new ScramVerifier(iterations, salt, storedKey, serverKey);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The verifier PostgreSQL would store for <paramref name="password"/> with this salt and iteration count.</summary>
    public static ScramVerifier FromPassword(string password, byte[] salt, int iterations = DefaultIterations)
    {
        var salted = Scram.SaltedPassword(password, salt, iterations);
        var clientKey = Scram.Hmac(salted, "Client Key");
        return new ScramVerifier(iterations, salt, SHA256.HashData(clientKey), Scram.Hmac(salted, "Server Key"));
    }

    /// <summary>A verifier with a new random 16-byte salt, as PostgreSQL makes one.</summary>
    public static ScramVerifier FromPassword(string password) => FromPassword(password, RandomNumberGenerator.GetBytes(16));

    public override string ToString() =>
        $"{Prefix}{Iterations.ToString(CultureInfo.InvariantCulture)}:{Convert.ToBase64String(Salt)}${Convert.ToBase64String(StoredKey)}:{Convert.ToBase64String(ServerKey)}";

    public bool Equals(ScramVerifier? other) =>
        other is not null && Iterations == other.Iterations && Salt.AsSpan().SequenceEqual(other.Salt)
        && StoredKey.AsSpan().SequenceEqual(other.StoredKey) && ServerKey.AsSpan().SequenceEqual(other.ServerKey);

    public override int GetHashCode() => HashCode.Combine(Iterations, Convert.ToBase64String(StoredKey));

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
