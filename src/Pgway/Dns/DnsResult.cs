namespace Pgway.Dns;

/// <summary>How a query ended: the <c>result</c> label of <c>pgway_dns_queries_total</c>.</summary>
internal enum DnsResult
{
    /// <summary>NOERROR with records.</summary>
    Answer,

    /// <summary>NOERROR without records: the name exists, not with that type (or has no member up now).</summary>
    NoData,

    /// <summary>The name does not exist in a zone pgway owns.</summary>
    NxDomain,

    /// <summary>The name is outside every zone pgway owns (no recursion), or its class is not IN.</summary>
    Refused,

    /// <summary>Not one question.</summary>
    FormatError,

    /// <summary>An opcode other than QUERY, or a zone transfer.</summary>
    NotImplemented,

    /// <summary>An EDNS version other than 0 (BADVERS, RFC 6891).</summary>
    BadVersion,

    /// <summary>Dropped unanswered: the source sent more than its rate allows, or a TCP connection past the limit.</summary>
    RateLimited,

    /// <summary>Dropped unanswered: not a DNS message.</summary>
    Malformed,
}
