namespace Pgway.Pooling.Authentication;

/// <summary>
/// auth_query's answers of the last <see cref="Lifetime"/>, found or not: a client retrying one name
/// in a loop costs one look-up per lifetime instead of a server connection per try. Both kinds are
/// kept, so a repeated name is answered as fast whether it exists or not (caching only "no such
/// user" would tell, by the time to the challenge, which names do exist). Emptied on reload.
/// </summary>
internal sealed class AuthQueryAnswers(TimeProvider time)
{
    /// <summary>
    /// How long an answer is reused: short enough that a role created (or a password changed) in
    /// PostgreSQL works at the next try a few seconds later, long enough to absorb a tight retry loop.
    /// </summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    /// <summary>Answers kept at most: names come from unauthenticated clients.</summary>
    public const int Capacity = 10_000;

    private readonly Lock sync = new();
    private readonly Dictionary<(string Database, string AuthUser, string User), (string? Secret, DateTimeOffset Expires)> answers = [];

    /// <summary>The answer for <paramref name="user"/> if one is fresh; its secret is null for "no such user".</summary>
    public bool TryGet(string database, string authUser, string user, out string? secret)
    {
        lock (sync)
        {
            if (answers.TryGetValue((database, authUser, user), out var answer) && answer.Expires > time.GetUtcNow())
            {
                secret = answer.Secret;
                return true;
            }
        }
        secret = null;
        return false;
    }

    public void Add(string database, string authUser, string user, string? secret)
    {
        var now = time.GetUtcNow();
        lock (sync)
        {
            if (answers.Count >= Capacity)
            {
                foreach (var (key, answer) in answers)
                {
                    if (answer.Expires <= now)
                    {
                        answers.Remove(key);
                    }
                }
                if (answers.Count >= Capacity)
                {
                    return;
                }
            }
            answers[(database, authUser, user)] = (secret, now + Lifetime);
        }
    }

    public void Clear()
    {
        lock (sync)
        {
            answers.Clear();
        }
    }
}
