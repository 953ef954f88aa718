namespace Pgway.Admin;

/// <summary>A member's last health check in the status document.</summary>
/// <param name="Passed">Whether the check passed (the answer the service expects).</param>
/// <param name="Reason">HAProxy's check status: <c>L7OK/200</c>, <c>L7STS/503</c>, <c>L4CON</c>, <c>L4TOUT</c>…</param>
/// <param name="Code">The HTTP status (or the one a SQL check decided); null below layer 7.</param>
/// <param name="Detail">Why, in words: "role replica", "connection refused".</param>
/// <param name="DurationMs">How long the check took, in milliseconds.</param>
/// <param name="AgeSeconds">Seconds since the check completed.</param>
internal sealed record StatusCheck(
    bool Passed,
    string Reason,
    int? Code,
    string Detail,
    double DurationMs,
    DateTimeOffset CompletedAt,
    double AgeSeconds);
