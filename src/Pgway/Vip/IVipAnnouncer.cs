using Pgway.Model;

namespace Pgway.Vip;

/// <summary>
/// The VIP on the segment: who else answers for it (an ARP probe, IPv4), and telling the segment that it now answers at
/// this interface's MAC (a gratuitous ARP, IPv4, or an unsolicited neighbour advertisement, IPv6).
/// </summary>
internal interface IVipAnnouncer
{
    VipOutcome Announce(ClusterVip vip, string device);

    /// <summary>The other hosts' MACs that answer for the VIP within <paramref name="window"/> (IPv6: none, the kernel's own duplicate detection runs when it is added).</summary>
    VipProbe Probe(ClusterVip vip, string device, TimeSpan window);
}
