using ARSoft.Tools.Net.Dns;

namespace Pgway.Dns;

/// <summary>The answer to one query, how it ended, and the name it is counted under (<c>other</c> for a name pgway does not answer).</summary>
internal sealed record DnsReply(DnsMessage Response, DnsResult Result, string Name);
