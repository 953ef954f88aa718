using System.Collections.Concurrent;

namespace Pgway.Pooling.Authentication;

/// <summary>
/// The SCRAM verifier of each user known by a plain-text password, derived once: a derivation is a
/// PBKDF2 of 4096 rounds (about a millisecond of the loop's CPU), which a client could otherwise make
/// pgway spend at every start-up before proving anything. Keyed by user and password, so a changed
/// password gets a new verifier; emptied when the pooler reloads its users.
/// </summary>
internal sealed class VerifierCache(Func<string, ScramVerifier> derive)
{
    /// <summary>Entries kept at most: users known by password, far more than any inventory lists.</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<(string User, string Password), ScramVerifier> verifiers = new();

    public VerifierCache()
        : this(ScramVerifier.FromPassword)
    {
    }

    /// <summary>The verifier of <paramref name="user"/> with <paramref name="password"/>, derived at the first call.</summary>
    public ScramVerifier For(string user, string password)
    {
        if (verifiers.TryGetValue((user, password), out var known))
        {
            return known;
        }
        if (verifiers.Count >= Capacity)
        {
            // auth_query may hand out plain-text secrets for any number of names: start afresh rather than grow.
            verifiers.Clear();
        }
        return verifiers.GetOrAdd((user, password), key => derive(key.Password));
    }

    /// <summary>Forgets every verifier: the users or their passwords may have changed.</summary>
    public void Clear() => verifiers.Clear();
}
