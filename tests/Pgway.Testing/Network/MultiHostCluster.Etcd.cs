using System.Globalization;

namespace Pgway.Testing.Network;

// etcd across the hosts: one member on each of the first EtcdMembers hosts, one raft cluster over the bridge.
internal sealed partial class MultiHostCluster
{
    /// <summary>The etcd members' client endpoints (<c>address:2379</c>), the form of Patroni's <c>etcd3.hosts</c>; empty without etcd.</summary>
    public IReadOnlyList<string> EtcdEndpoints =>
        [.. Members.Take(_options.EtcdMembers).Select(member => $"{member.Host.Address}:{EtcdServer.ClientPort}")];

    /// <summary>Runs <c>etcdctl</c> (v3 API) in the client namespace against every member.</summary>
    public Task<CommandResult> EtcdctlFromClientAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default) =>
        TestNetwork.RunAsync(
            Network.Client,
            "etcdctl",
            [$"--endpoints={string.Join(',', EtcdEndpoints.Select(endpoint => "http://" + endpoint))}", "--dial-timeout=3s", "--command-timeout=5s", .. arguments],
            null,
            TimeSpan.FromSeconds(30),
            cancellationToken);

    private readonly string _etcdToken = "pgway-test-" + Guid.NewGuid().ToString("N");

    /// <summary>Starts every member at once (each waits for its peers to form the cluster) and returns once all report healthy.</summary>
    private async Task StartEtcdAsync(CancellationToken cancellationToken)
    {
        var members = Members.Take(_options.EtcdMembers).ToList();
        foreach (var member in members)
        {
            StartEtcdMember(member);
        }

        await WaitForEtcdAsync(cancellationToken);
    }

    private async Task WaitForEtcdAsync(CancellationToken cancellationToken)
    {
        var members = Members.Take(_options.EtcdMembers).ToList();
        CommandResult? health = null;
        await Wait.UntilAsync(
            async token => (health = await EtcdctlFromClientAsync(["endpoint", "health"], token)).Succeeded,
            _options.OperationTimeout,
            () => LogTail.Describe($"etcd on {string.Join(", ", EtcdEndpoints)} is not healthy: {health?.Describe()}", members.Select(member => Path.Combine(member.Directory, "etcd", "etcd.log")), 30),
            cancellationToken);
    }

    /// <summary>Starts <paramref name="member"/>'s etcd; after a kill its data directory makes it rejoin as the member it was.</summary>
    private void StartEtcdMember(MultiHostMember member)
    {
        var etcd = PatroniBinaries.Locate().Etcd;
        var members = Members.Take(_options.EtcdMembers).ToList();
        var initialCluster = string.Join(',', members.Select(peer => string.Create(CultureInfo.InvariantCulture, $"etcd-{peer.Seq}=http://{peer.Host.Address}:{EtcdServer.PeerPort}")));
        var directory = Path.Combine(member.Directory, "etcd");
        var dataDirectory = Path.Combine(directory, "data");
        var clientUrl = string.Create(CultureInfo.InvariantCulture, $"http://{member.Host.Address}:{EtcdServer.ClientPort}");
        var peerUrl = string.Create(CultureInfo.InvariantCulture, $"http://{member.Host.Address}:{EtcdServer.PeerPort}");
        Network.Start(
            member.Host,
            "etcd",
            directory,
            etcd,
            [
                "--name", $"etcd-{member.Seq}",
                "--data-dir", dataDirectory,
                "--listen-client-urls", clientUrl,
                "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", initialCluster,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", _etcdToken,
            ],
            dataDirectory);
    }
}
