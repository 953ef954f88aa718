using System.Globalization;

namespace Pgway.Testing.Network;

// Network faults: cutting a host off, loss, delay.
internal sealed partial class TestNetwork
{
    private const string LossTable = "pgway_loss";

    /// <summary>Cuts <paramref name="host"/> off the segment: its veth end on the bridge goes down, as an unplugged cable.</summary>
    public Task CutOffAsync(NetworkHost host, CancellationToken cancellationToken = default) =>
        IpAsync(["-n", BridgeNamespace, "link", "set", host.BridgePort, "down"], cancellationToken);

    /// <summary>Plugs <paramref name="host"/> back in.</summary>
    public Task RestoreAsync(NetworkHost host, CancellationToken cancellationToken = default) =>
        IpAsync(["-n", BridgeNamespace, "link", "set", host.BridgePort, "up"], cancellationToken);

    /// <summary>
    /// Drops <paramref name="percent"/> % of the packets <paramref name="host"/> sends and receives (nftables
    /// <c>numgen random</c> in the host's namespace); 0 removes the rule.
    /// </summary>
    /// <exception cref="NetworkFaultUnsupportedException">nftables is missing or the kernel has no nf_tables.</exception>
    public static async Task SetLossAsync(NetworkHost host, int percent, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        // Declaring the table then deleting it removes an earlier rule whether or not there was one (nft 1.0.6 has no 'destroy').
        var reset = $"table inet {LossTable}\ndelete table inet {LossTable}\n";
        // numgen's values are 0-99, so "< 100" is out of its range: all is a plain drop.
        var match = percent == 100 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"numgen random mod 100 < {percent} ");
        var ruleset = percent == 0
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $$"""
                table inet {{LossTable}} {
                  chain in { type filter hook input priority 0; meta iifname "{{NetworkHost.Interface}}" {{match}}drop; }
                  chain out { type filter hook output priority 0; meta oifname "{{NetworkHost.Interface}}" {{match}}drop; }
                }

                """);
        var file = Path.Combine(Path.GetTempPath(), $"pgway-nft-{Guid.NewGuid():N}.nft");
        await File.WriteAllTextAsync(file, reset + ruleset, cancellationToken);
        try
        {
            CommandResult result;
            try
            {
                result = await TestNetwork.RunAsync(host, "nft", ["-f", file], cancellationToken: cancellationToken);
            }
            catch (System.ComponentModel.Win32Exception exception)
            {
                throw new NetworkFaultUnsupportedException("packet loss needs nftables ('nft'), which is not installed", exception);
            }

            if (!result.Succeeded)
            {
                throw new NetworkFaultUnsupportedException($"packet loss needs the kernel's nf_tables (nftables) in a network namespace, which failed here: {result.Describe()}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Delays every packet <paramref name="host"/> sends by <paramref name="delay"/> (<c>tc netem</c>).</summary>
    /// <exception cref="NetworkFaultUnsupportedException">The kernel has no sch_netem (as on the CI machines so far).</exception>
    public static async Task SetDelayAsync(NetworkHost host, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        var milliseconds = ((int)delay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var result = await TestNetwork.RunAsync(host, "tc", ["qdisc", "replace", "dev", NetworkHost.Interface, "root", "netem", "delay", $"{milliseconds}ms"], cancellationToken: cancellationToken);
        if (!result.Succeeded)
        {
            throw new NetworkFaultUnsupportedException(
                $"delay needs the kernel's sch_netem queueing discipline (tc netem), which this kernel lacks or refused: {result.StandardError.Trim()}");
        }
    }
}
