namespace Pgway.Pooling.Authentication;

/// <summary>How an auth_query look-up ended.</summary>
internal enum AuthQueryOutcome
{
    /// <summary>The query ran (or a fresh answer was reused): the secret, or none for "no such user".</summary>
    Answered,

    /// <summary>The auth user could not log in or the query failed: logged, and the client told nothing of it.</summary>
    Failed,

    /// <summary>Too many look-ups wait for this database already.</summary>
    Busy,
}
