namespace Pgway.Health;

/// <summary>One probe's answer.</summary>
/// <param name="Code">The HTTP status (or the status the SQL check decided, 200 or 503); null below layer 7.</param>
/// <param name="Detail">Why, in words: "connection refused", "role replica", "no status line within 3000 ms".</param>
internal sealed record CheckResult(CheckStatus Status, int? Code, TimeSpan Duration, DateTimeOffset CompletedAt, string Detail)
{
    /// <summary>Whether the check passes for a member expecting <paramref name="expectedStatus"/> (0: any 2xx or 3xx, as HAProxy without <c>http-check expect</c>).</summary>
    public bool Passes(int expectedStatus) => Code is { } code
        ? expectedStatus == 0 ? code is >= 200 and < 400 : code == expectedStatus
        : Status == CheckStatus.L4Ok;

    /// <summary>HAProxy's short code with the status: "L7STS/503", "L4CON".</summary>
    public string Reason => Status switch
    {
        CheckStatus.L4Ok => "L4OK",
        CheckStatus.L4Timeout => "L4TOUT",
        CheckStatus.L4Connection => "L4CON",
        CheckStatus.L7Ok => $"L7OK/{Code}",
        CheckStatus.L7Status => $"L7STS/{Code}",
        CheckStatus.L7Response => "L7RSP",
        CheckStatus.LocalError => "SOCKERR",
        CheckStatus.Dcs => "DCS",
        CheckStatus.Fenced => "MAINT",
        CheckStatus.L6Response => "L6RSP",
        CheckStatus.L6Timeout => "L6TOUT",
        _ => "L7TOUT",
    };

    public override string ToString() => $"{Reason} in {Duration.TotalMilliseconds:0} ms: {Detail}";
}
