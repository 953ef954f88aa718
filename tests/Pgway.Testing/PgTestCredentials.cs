using System.Security.Cryptography;

namespace Pgway.Testing;

/// <summary>
/// The passwords of one test cluster's users: random per cluster, so nothing credential-like is
/// committed and a leaked test log is worthless.
/// </summary>
internal sealed class PgTestCredentials
{
    // No quotes, spaces or backslashes: the passwords go into conninfo strings and SQL literals verbatim.
    private const string Alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private readonly Dictionary<string, string> _passwords;

    private PgTestCredentials(Dictionary<string, string> passwords)
    {
        _passwords = passwords;
    }

    /// <summary>Every user and its password.</summary>
    public IReadOnlyDictionary<string, string> Passwords => _passwords;

    /// <summary>The password of <paramref name="user"/>.</summary>
    /// <exception cref="ArgumentException">The user is not one of <see cref="PgTestUsers.All"/>.</exception>
    public string PasswordFor(string user) =>
        _passwords.TryGetValue(user, out var password)
            ? password
            : throw new ArgumentException($"'{user}' is not a user of the test cluster; known users: {string.Join(", ", _passwords.Keys)}.", nameof(user));

    internal static PgTestCredentials Generate() =>
        new(PgTestUsers.All.ToDictionary(user => user, _ => "test-" + RandomNumberGenerator.GetString(Alphabet, 20), StringComparer.Ordinal));
}
