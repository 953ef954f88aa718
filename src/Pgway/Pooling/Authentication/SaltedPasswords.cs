using System.Collections.Concurrent;

namespace Pgway.Pooling.Authentication;

/// <summary>
/// The salted passwords pgway derived as a SCRAM client (logging in to a server), by password, salt
/// and iteration count. A server answers every log-in of a role with the same salt, and deriving it
/// (4,096 rounds of HMAC-SHA-256 by default) is most of a log-in's CPU: a pool that opens servers
/// often paid it each time. Holding it adds nothing an attacker in pgway's memory would not find
/// there already (the password itself). Bounded: forgotten wholesale past its size, and at every reload.
/// </summary>
internal static class SaltedPasswords
{
    private const int Capacity = 1024;

    private static readonly ConcurrentDictionary<(string Password, string Salt, int Iterations), byte[]> Known = new();

    /// <summary>Forgets them all (a reload: passwords may have changed).</summary>
    public static void Forget() => Known.Clear();

    /// <summary><see cref="Scram.SaltedPassword"/>, derived once per password, salt and iteration count. The caller must not change it.</summary>
    public static byte[] For(string password, byte[] salt, int iterations)
    {
        var key = (password, Convert.ToBase64String(salt), iterations);
        if (Known.TryGetValue(key, out var salted))
        {
            return salted;
        }
        salted = Scram.SaltedPassword(password, salt, iterations);
        if (Known.Count >= Capacity)
        {
            Known.Clear();
        }
        Known[key] = salted;
        return salted;
    }
}
