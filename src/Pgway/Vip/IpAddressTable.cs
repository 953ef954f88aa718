using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using Pgway.Model;

namespace Pgway.Vip;

/// <summary>
/// The node's addresses: read through the kernel's interface list (getifaddrs), changed with the rtnetlink requests
/// <c>ip addr add|del</c> sends (<see cref="RtNetlink"/>); no process either way. A change is a failover's critical
/// path, where starting <c>ip</c> on a loaded host cost tens of milliseconds; the kernel's errors are reported in the
/// words <c>ip</c> would print ("Operation not permitted", named with the capability pgway lacks).
/// </summary>
internal sealed partial class IpAddressTable : IVipAddressTable
{
    private static readonly TimeSpan KernelAnswerTimeout = TimeSpan.FromSeconds(5);
    private const int Eperm = 1;
    private const int Eexist = 17;
    private const int Enodev = 19;
    private const int Eacces = 13;
    private const int Eaddrnotavail = 99;

    public (string? Interface, string? Error) Resolve(ClusterVip vip, string nodeAddress)
    {
        ArgumentNullException.ThrowIfNull(vip);
        var interfaces = NetworkInterface.GetAllNetworkInterfaces();
        if (vip.InterfaceOn(nodeAddress) is { } named)
        {
            return interfaces.FirstOrDefault(i => i.Name == named) is { } found
                ? Usable(found)
                : (null, $"the VIP's interface '{named}' does not exist on this node (pg_vip_interface; 'auto' takes the one holding {nodeAddress})");
        }
        if (!IPAddress.TryParse(nodeAddress, out var node))
        {
            return (null, $"pg_vip_interface auto needs the node's inventory address to be an IP, not '{nodeAddress}'");
        }
        foreach (var candidate in interfaces)
        {
            if (candidate.GetIPProperties().UnicastAddresses.Any(a => a.Address.Equals(node)))
            {
                return Usable(candidate);
            }
        }
        return (null, $"no interface of this node holds its inventory address {node}, so pg_vip_interface auto finds none: set pg_vip_interface");
    }

    // A loopback answers no neighbour: a VIP there reaches nobody, and a whole network routed to lo (a node address on
    // 127.0.0.x, as in tests and the demo) would take that network from the machine.
    private static (string? Interface, string? Error) Usable(NetworkInterface candidate) =>
        candidate.NetworkInterfaceType == NetworkInterfaceType.Loopback
            ? (null, $"the VIP's interface '{candidate.Name}' is a loopback, where no neighbour can reach it: pgway does not add it there (set pg_vip_interface to the node's LAN interface)")
            : (candidate.Name, null);

    public IReadOnlyList<string> Holders(IPAddress address)
    {
        var holders = new List<string>(1);
        foreach (var candidate in NetworkInterface.GetAllNetworkInterfaces())
        {
            // Never a loopback: pgway never adds the VIP there, and what is there is the machine's own.
            if (candidate.NetworkInterfaceType != NetworkInterfaceType.Loopback && candidate.GetIPProperties().UnicastAddresses.Any(a => a.Address.Equals(address)))
            {
                holders.Add(candidate.Name);
            }
        }
        return holders;
    }

    // nodad: an IPv6 VIP must answer at once, not after a second of duplicate address detection; the DCS is what
    // keeps it unique.
    public VipOutcome Add(ClusterVip vip, string device)
    {
        ArgumentNullException.ThrowIfNull(vip);
        var errno = Change(add: true, vip, device);
        return errno is 0 or Eexist ? VipOutcome.Done : VipOutcome.Failed(Explain($"add {vip.Cidr} to {device}", errno));
    }

    public VipOutcome Remove(ClusterVip vip, string device)
    {
        ArgumentNullException.ThrowIfNull(vip);
        var errno = Change(add: false, vip, device);
        return errno is 0 or Eaddrnotavail ? VipOutcome.Done : VipOutcome.Failed(Explain($"remove {vip.Cidr} from {device}", errno));
    }

    private static int Change(bool add, ClusterVip vip, string device)
    {
        var index = (int)InterfaceIndex(device);
        return index == 0 ? Enodev : RtNetlink.ChangeAddress(add, vip.Address, vip.PrefixLength, index, noDad: true, KernelAnswerTimeout);
    }

    private static string Explain(string what, int errno) => errno switch
    {
        Eperm or Eacces => $"cannot {what}: pgway needs CAP_NET_ADMIN to move the VIP (AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW in its systemd unit)",
        Enodev => $"cannot {what}: no such interface",
        _ => $"cannot {what}: {Marshal.GetPInvokeErrorMessage(errno)}",
    };

    [LibraryImport("libc", EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
    private static partial uint InterfaceIndex(string name);
}
