using System.Net;
using Pgway.Model;

namespace Pgway.Vip;

/// <summary>The node's network interfaces and their addresses, as the VIP needs them: read cheaply, changed rarely.</summary>
internal interface IVipAddressTable
{
    /// <summary>The interface the VIP belongs on: <see cref="ClusterVip.InterfaceOn"/> this node, or the one holding <paramref name="nodeAddress"/>; or why there is none.</summary>
    (string? Interface, string? Error) Resolve(ClusterVip vip, string nodeAddress);

    /// <summary>The interfaces that hold <paramref name="address"/> now (empty: none).</summary>
    IReadOnlyList<string> Holders(IPAddress address);

    /// <summary>Adds the VIP to the interface; done when it is there already.</summary>
    VipOutcome Add(ClusterVip vip, string device);

    /// <summary>Removes the VIP from the interface; done when it was not there.</summary>
    VipOutcome Remove(ClusterVip vip, string device);
}
