using System.Collections.Immutable;
using System.Net;

namespace Pgway.Dns;

/// <summary>The records of one name: addresses (A and AAAA) and SRV targets; both empty for a name that exists without records now.</summary>
internal sealed record DnsNode(ImmutableArray<IPAddress> Addresses, ImmutableArray<DnsSrvTarget> Services)
{
    public static readonly DnsNode Empty = new([], []);

    /// <summary>At a zone's apex, the nodes that serve the zone (its NS records), in address order; empty elsewhere.</summary>
    public ImmutableArray<DnsNameServer> NameServers { get; init; } = [];
}
