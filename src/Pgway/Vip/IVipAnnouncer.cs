using Pgway.Model;

namespace Pgway.Vip;

/// <summary>Tells the segment that the VIP now answers at this interface's MAC: a gratuitous ARP (IPv4) or an unsolicited neighbour advertisement (IPv6).</summary>
internal interface IVipAnnouncer
{
    VipOutcome Announce(ClusterVip vip, string device);
}
