using System.Net;
using System.Net.Sockets;

namespace Pgway.Model;

/// <summary>
/// A cluster's L2 VIP: the address the pgway of the leader's node adds to a network interface and announces, so
/// the cluster's name keeps reaching the primary's node whichever node that is.
/// </summary>
/// <param name="Address">The VIP itself (<c>pg_vip_address</c> before the slash; v1 <c>vip_address</c>).</param>
/// <param name="PrefixLength">The network's prefix length (<c>pg_vip_address</c> after the slash; v1 <c>vip_cidrmask</c>).</param>
/// <param name="Interface">The interface to add it to; null for <c>auto</c>: the one that holds the node's own inventory address.</param>
/// <param name="DcsGrace">
/// How long the VIP stays while the DCS cannot be reached and the local instance is still a healthy primary
/// (<c>pgway_vip_dcs_grace</c>); see docs/vip.md for why it is bounded well below Patroni's ttl.
/// </param>
/// <param name="Location">Where the address is set, for messages.</param>
internal sealed record ClusterVip(IPAddress Address, int PrefixLength, string? Interface, TimeSpan DcsGrace, SourceLocation Location)
{
    /// <summary>
    /// The interface of each host that sets its own (<c>pg_vip_interface</c> as a host variable, as Ansible lets a
    /// host override its group: nodes whose NICs are named differently), by the host's inventory address; null
    /// there for <c>auto</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string?> HostInterfaces { get; init; } = new Dictionary<string, string?>();

    /// <summary>The interface the VIP belongs on at the node of <paramref name="nodeAddress"/>: its own, else the cluster's.</summary>
    public string? InterfaceOn(string nodeAddress) => HostInterfaces.TryGetValue(nodeAddress, out var own) ? own : Interface;

    // By value, the hosts' interfaces too: a reload that changes nothing leaves the VIP's keeper alone.
    public bool Equals(ClusterVip? other) =>
        other is not null && Address.Equals(other.Address) && PrefixLength == other.PrefixLength && Interface == other.Interface
        && DcsGrace == other.DcsGrace && Location == other.Location && HostInterfaces.Count == other.HostInterfaces.Count
        && HostInterfaces.All(pair => other.HostInterfaces.TryGetValue(pair.Key, out var theirs) && theirs == pair.Value);

    public override int GetHashCode() => HashCode.Combine(Address, PrefixLength, Interface, DcsGrace, HostInterfaces.Count);

    /// <summary>The grace when <c>pgway_vip_dcs_grace</c> is not set.</summary>
    public static readonly TimeSpan DefaultDcsGrace = TimeSpan.FromSeconds(3);

    /// <summary>The address as connection strings and bind addresses write it.</summary>
    public string Host => Address.ToString();

    public bool IsIPv6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>CIDR notation, as <c>ip addr</c> takes it.</summary>
    public string Cidr => $"{Address}/{PrefixLength}";

    public override string ToString() => Interface is null ? Cidr : $"{Cidr} on {Interface}";
}
