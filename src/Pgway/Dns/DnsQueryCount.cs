namespace Pgway.Dns;

/// <summary>Queries for one name that ended one way, since start.</summary>
internal sealed record DnsQueryCount(string Name, string Result, long Queries);
