namespace Pgway.Dns;

/// <summary>The labels <see cref="DnsResult"/> goes by in metrics and the status document.</summary>
internal static class DnsResults
{
    public static readonly IReadOnlyList<DnsResult> All = Enum.GetValues<DnsResult>();

    public static string Label(DnsResult result) => result switch
    {
        DnsResult.Answer => "answer",
        DnsResult.NoData => "nodata",
        DnsResult.NxDomain => "nxdomain",
        DnsResult.Refused => "refused",
        DnsResult.FormatError => "formerr",
        DnsResult.NotImplemented => "notimp",
        DnsResult.BadVersion => "badvers",
        DnsResult.RateLimited => "ratelimited",
        DnsResult.Malformed => "malformed",
        _ => "other",
    };
}
