namespace Pgway.Dns;

/// <summary>A name looked up: where it stands, its records when found, and the apex of its zone (for the SOA).</summary>
internal readonly record struct DnsLookup(DnsLookupKind Kind, DnsNode? Node, string? Apex);
