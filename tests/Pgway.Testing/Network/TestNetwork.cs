using System.Net;

namespace Pgway.Testing.Network;

/// <summary>
/// An L2 segment of Linux network namespaces for multi-host tests: a bridge in a namespace of its own, one
/// namespace per database host and one client namespace, each joined to the bridge by a veth pair, with
/// addresses in 198.51.100.0/24 (TEST-NET-2, so no address can mean a real machine) and no route out.
/// The root namespace gets nothing but the namespaces' names. Disposing stops every process started
/// through it and deletes the namespaces; <see cref="AbandonedNetworkJanitor"/> does so after a killed run.
/// </summary>
internal sealed partial class TestNetwork : IAsyncDisposable
{
    /// <summary>The segment's prefix length.</summary>
    public const int PrefixLength = 24;

    /// <summary>The segment, as pg_hba and pgb_hba rules write it.</summary>
    public const string Subnet = "198.51.100.0/24";

    /// <summary>The client's address; .2–.9 stay free for VIPs, database hosts start at .11.</summary>
    public static readonly IPAddress ClientAddress = IPAddress.Parse("198.51.100.100");

    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(30);

    private readonly List<string> _namespaces = [];

    private TestNetwork(string bridgeNamespace, IReadOnlyList<NetworkHost> hosts, NetworkHost client)
    {
        BridgeNamespace = bridgeNamespace;
        Hosts = hosts;
        Client = client;
    }

    /// <summary>The namespace holding the bridge <c>br0</c> and the hosts' veth ends.</summary>
    public string BridgeNamespace { get; }

    /// <summary>The database hosts, <c>h1</c> at 198.51.100.11, <c>h2</c> at .12, ….</summary>
    public IReadOnlyList<NetworkHost> Hosts { get; }

    /// <summary>The client host at 198.51.100.100.</summary>
    public NetworkHost Client { get; }

    /// <summary>Database host <paramref name="seq"/> (1-based, as pg_seq).</summary>
    public NetworkHost Host(int seq) => Hosts[seq - 1];

    /// <summary>The address of database host <paramref name="seq"/>: 198.51.100.(10 + seq).</summary>
    public static IPAddress HostAddress(int seq) => IPAddress.Parse($"198.51.100.{10 + seq}");

    /// <summary>
    /// Builds the network with <paramref name="hostCount"/> database hosts and the client, after sweeping the
    /// namespaces of killed runs. Throws with <see cref="NetworkAvailability.UnavailableReason"/> if it cannot.
    /// </summary>
    public static async Task<TestNetwork> CreateAsync(int hostCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hostCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostCount, 9);
        if (NetworkAvailability.UnavailableReason is { } reason)
        {
            throw new InvalidOperationException($"Cannot build the test network: {reason}.");
        }

        await AbandonedNetworkJanitor.SweepOnceAsync(cancellationToken);
        var owner = Environment.ProcessId;

        // A random suffix too: several networks of one test process must not collide.
        var run = Guid.NewGuid().ToString("N")[..6];
        var hosts = Enumerable.Range(1, hostCount)
            .Select(seq => new NetworkHost($"h{seq}", NetnsNames.For(owner, $"{run}-h{seq}"), HostAddress(seq), $"p{seq}"))
            .ToList();
        var client = new NetworkHost("client", NetnsNames.For(owner, $"{run}-c"), ClientAddress, "pc");
        var network = new TestNetwork(NetnsNames.For(owner, $"{run}-br"), hosts, client);
        try
        {
            await network.BuildAsync(cancellationToken);
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }

        return network;
    }

    /// <summary>Stops the processes started through the network, then deletes its namespaces. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAllProcessesAsync();
        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            await AbandonedNetworkJanitor.DeleteNamespaceAsync(name, CancellationToken.None);
        }

        _namespaces.Clear();
    }

    /// <inheritdoc/>
    public override string ToString() => $"test network {BridgeNamespace}: {string.Join(", ", [.. Hosts, Client])}";

    private async Task BuildAsync(CancellationToken cancellationToken)
    {
        await AddNamespaceAsync(BridgeNamespace, cancellationToken);
        await IpAsync(["-n", BridgeNamespace, "link", "add", "br0", "type", "bridge"], cancellationToken);
        await IpAsync(["-n", BridgeNamespace, "link", "set", "br0", "up"], cancellationToken);
        foreach (var host in Hosts.Append(Client))
        {
            await AddNamespaceAsync(host.Namespace, cancellationToken);

            // Both ends are created inside namespaces: the root namespace never holds either.
            await IpAsync(["-n", BridgeNamespace, "link", "add", host.BridgePort, "type", "veth", "peer", "name", NetworkHost.Interface, "netns", host.Namespace], cancellationToken);
            await IpAsync(["-n", BridgeNamespace, "link", "set", host.BridgePort, "master", "br0", "up"], cancellationToken);
            await IpAsync(["-n", host.Namespace, "addr", "add", $"{host.Address}/{PrefixLength}", "dev", NetworkHost.Interface], cancellationToken);
            await IpAsync(["-n", host.Namespace, "link", "set", NetworkHost.Interface, "up"], cancellationToken);
        }
    }

    private async Task AddNamespaceAsync(string name, CancellationToken cancellationToken)
    {
        await IpAsync(["netns", "add", name], cancellationToken);
        _namespaces.Add(name);

        // No default route is ever added: only the segment's own connected route exists, so nothing leaves it.
        await IpAsync(["-n", name, "link", "set", "lo", "up"], cancellationToken);
    }

    private static async Task IpAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var result = await PgCommandRunner.RunAsync("ip", arguments, Path.GetTempPath(), null, s_commandTimeout, cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Building the test network failed: {result.Describe()}");
        }
    }
}
