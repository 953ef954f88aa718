using System.Net;
using System.Text.RegularExpressions;

namespace Pgway.Testing.Network;

// Where a VIP is: which hosts hold the address, and which MACs answer ARP for it on the segment.
internal sealed partial class MultiHostCluster
{
    private (int Index, byte[] Mac)? _clientLink;

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
    /// Sends duplicate address detection's ARP probe for <paramref name="vip"/> from the client namespace — the probe
    /// <c>arping -D</c> sends: a broadcast request from sender address 0.0.0.0, which every host holding the address
    /// answers at once and none caches — and returns the distinct MACs (lower case) that reply to it within
    /// <paramref name="window"/>: two or more held the VIP at the moment the one broadcast reached them, the VIP on
    /// two hosts at once (a move between two probes is not). Not the <c>arping -D</c> program itself: it stops at the
    /// first reply, so it cannot see a second holder.
    /// </summary>
    public async Task<IReadOnlySet<string>> DadProbeAsync(IPAddress vip, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var (index, mac) = await ClientLinkAsync(cancellationToken);
        // A thread of its own inside the client namespace: the probe blocks for its window.
        var probe = await Task.Run(() => NetnsSocket.RunIn(Network.Client, () => Pgway.Vip.NativeAnnouncer.ProbeAddress(vip, index, mac, window, oneProbeRepliesOnly: true)), cancellationToken);
        return probe.Error is { } error
            ? throw new InvalidOperationException($"The DAD probe for {vip} from the client namespace failed: {error}")
            : probe.Answering.ToHashSet(StringComparer.Ordinal);
    }

    // The client namespace's interface index and MAC, as its own kernel numbers them; read once, they never change.
    private async Task<(int Index, byte[] Mac)> ClientLinkAsync(CancellationToken cancellationToken)
    {
        if (_clientLink is { } known)
        {
            return known;
        }

        var link = await TestNetwork.RunAsync(Network.Client, "ip", ["-o", "link", "show", "dev", NetworkHost.Interface], cancellationToken: cancellationToken);
        var match = Regex.Match(link.StandardOutput, @"^(\d+):.*link/ether ([0-9a-f:]{17})");
        _clientLink = match.Success
            ? (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Convert.FromHexString(match.Groups[2].Value.Replace(":", "", StringComparison.Ordinal)))
            : throw new InvalidOperationException($"No index and MAC in the client's 'ip link': {link.Describe()}");
        return _clientLink.Value;
    }
}
