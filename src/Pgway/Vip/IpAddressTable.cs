using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using Pgway.Model;

namespace Pgway.Vip;

/// <summary>
/// The node's addresses: read through the kernel's interface list (getifaddrs, no process), changed with iproute2's
/// <c>ip addr add|del</c>, run with an argument list. <c>ip</c> rather than hand-built rtnetlink messages: changes are
/// rare (a failover), every Linux node has it, and its errors ("Operation not permitted") are the words an operator
/// searches for; the reconcile that runs every second only reads.
/// </summary>
internal sealed class IpAddressTable : IVipAddressTable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    private readonly string ip;

    /// <param name="ip">The <c>ip</c> command (found on PATH when just a name).</param>
    public IpAddressTable(string ip = "ip") => this.ip = ip;

    public (string? Interface, string? Error) Resolve(ClusterVip vip, string nodeAddress)
    {
        ArgumentNullException.ThrowIfNull(vip);
        var interfaces = NetworkInterface.GetAllNetworkInterfaces();
        if (vip.Interface is { } named)
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
        string[] args = vip.IsIPv6 ? ["-6", "addr", "add", vip.Cidr, "dev", device, "nodad"] : ["addr", "add", vip.Cidr, "dev", device];
        var (code, error) = Run(args);
        return code == 0 || error.Contains("File exists", StringComparison.Ordinal)
            ? VipOutcome.Done
            : VipOutcome.Failed(Explain($"ip {string.Join(' ', args)}", code, error));
    }

    public VipOutcome Remove(ClusterVip vip, string device)
    {
        ArgumentNullException.ThrowIfNull(vip);
        string[] args = [vip.IsIPv6 ? "-6" : "-4", "addr", "del", vip.Cidr, "dev", device];
        var (code, error) = Run(args);
        return code == 0 || error.Contains("Cannot assign requested address", StringComparison.Ordinal)
            ? VipOutcome.Done
            : VipOutcome.Failed(Explain($"ip {string.Join(' ', args)}", code, error));
    }

    private static string Explain(string command, int code, string error) =>
        error.Contains("Operation not permitted", StringComparison.Ordinal)
            ? $"'{command}' is not permitted: pgway needs CAP_NET_ADMIN to move the VIP (AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW in its systemd unit)"
            : $"'{command}' failed (exit {code}): {error.Trim()}";

    private (int Code, string Error) Run(string[] args)
    {
        var start = new ProcessStartInfo(ip)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(CommandTimeout))
            {
                process.Kill();
                return (-1, $"no exit within {CommandTimeout.TotalSeconds:0} s");
            }
            output.Wait(CommandTimeout);
            return (process.ExitCode, error.Wait(CommandTimeout) ? error.Result : "");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"cannot run '{ip}' ({e.Message}): install iproute2");
        }
    }
}
