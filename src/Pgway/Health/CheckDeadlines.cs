namespace Pgway.Health;

/// <summary>
/// How long one check may take, by phase, as HAProxy times it: connecting; the answer, counted
/// from when the request has been sent; and the whole check.
/// </summary>
internal readonly record struct CheckDeadlines(TimeSpan Connect, TimeSpan Response, TimeSpan Total);
