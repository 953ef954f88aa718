using System.Net;
using System.Text.RegularExpressions;

namespace Pgway.Testing.Network;

// Where a VIP is: which hosts hold the address, and which MACs answer ARP for it on the segment.
internal sealed partial class MultiHostCluster
{
    /// <summary>The hosts whose interface holds <paramref name="vip"/> now (the kernel's address lists).</summary>
    public async Task<IReadOnlyList<MultiHostMember>> VipHoldersAsync(IPAddress vip, CancellationToken cancellationToken = default)
    {
        var holders = new List<MultiHostMember>();
        foreach (var member in Members)
        {
            var addresses = await TestNetwork.RunAsync(member.Host, "ip", ["-o", "addr", "show", "dev", NetworkHost.Interface], cancellationToken: cancellationToken);
            if (addresses.StandardOutput.Contains($" {vip}/", StringComparison.Ordinal))
            {
                holders.Add(member);
            }
        }

        return holders;
    }

    /// <summary>The MAC of <paramref name="host"/>'s interface, lower case.</summary>
    public static async Task<string> MacOfAsync(NetworkHost host, CancellationToken cancellationToken = default)
    {
        var link = await TestNetwork.RunAsync(host, "ip", ["-o", "link", "show", "dev", NetworkHost.Interface], cancellationToken: cancellationToken);
        return Regex.Match(link.StandardOutput, "link/ether ([0-9a-f:]{17})").Groups[1].Value;
    }

    /// <summary>
    /// Runs <c>arping -c <paramref name="count"/> -I eth0 <paramref name="vip"/></c> in the client namespace and returns
    /// the distinct MACs that replied (lower case): more than one is the VIP on two hosts at once.
    /// </summary>
    public async Task<IReadOnlySet<string>> ArpingMacsAsync(IPAddress vip, int count = 3, CancellationToken cancellationToken = default)
    {
        var arping = await TestNetwork.RunAsync(
            Network.Client,
            "arping",
            ["-c", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "-w", (count + 2).ToString(System.Globalization.CultureInfo.InvariantCulture), "-I", NetworkHost.Interface, vip.ToString()],
            cancellationToken: cancellationToken);
        return Regex.Matches(arping.StandardOutput, @"reply from \S+ \[([0-9A-Fa-f:]{17})\]")
            .Select(match => match.Groups[1].Value.ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);
    }
}
