namespace Pgway.Testing;

// Building the cluster: etcd, node 1's bootstrap, users, the other nodes.
internal sealed partial class PatroniTestCluster
{
    private async Task BootstrapAsync(CancellationToken cancellationToken)
    {
        foreach (var node in _nodes)
        {
            Directory.CreateDirectory(node.Directory);
            PgTestServerSettings.CreateSocketDirectory(node.SocketDirectory, PgPort);
            await WriteConfigAsync(node, cancellationToken);
        }

        // Patroni runs initdb and postgres, which refuse root: under root the whole tree goes to postgres.
        await _runner.HandOverAsync(RootDirectory, cancellationToken);
        await Etcd.StartAsync(_programs.Etcd, Path.GetFileName(RootDirectory), OperationTimeout, cancellationToken);

        // Node 1 must win the race to initialise the cluster, so that the roles are known in advance:
        // the others start once it holds the initialize key, and then wait for its bootstrap to clone it.
        var first = _nodes[0];
        StartPatroni(first);
        await WaitForDcsKeyAsync("initialize", cancellationToken);
        foreach (var node in _nodes.Skip(1))
        {
            StartPatroni(node);
        }

        await WaitForLeaderAsync(first, cancellationToken: cancellationToken);
        await using (var connection = await OpenConnectionAsync(first, cancellationToken: cancellationToken))
        {
            // Over TCP with the SCRAM password, as in PgTestCluster; Patroni made postgres and replicator itself.
            await PgTestUsers.CreateAsync(connection, Credentials, replicatorExists: true, cancellationToken);
        }

        await WaitUntilHealthyAsync(cancellationToken);
    }

    private async Task WaitForDcsKeyAsync(string name, CancellationToken cancellationToken)
    {
        var key = DcsKey(name);
        await Wait.UntilAsync(
            async token =>
            {
                ThrowIfAnyPatroniDied();
                return await Etcd.GetAsync(key, token) is not null;
            },
            OperationTimeout,
            () => DescribeFailure($"No node wrote {key} to etcd."),
            cancellationToken);
    }
}
