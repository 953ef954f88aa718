namespace Pgway.Testing;

/// <summary>
/// A real Patroni cluster with its own etcd, for integration tests: one etcd and N Patroni nodes, each node on
/// its own loopback address with the real ports (postgres 5432, REST API 8008), its own config, data directory,
/// socket directory and logs under a fresh temp directory. Patroni (and so initdb and postgres) runs as the
/// <c>postgres</c> OS user when the tests run as root. Disposing stops Patroni (SIGTERM, then SIGKILL), any
/// postgres left behind, then etcd, and deletes the directory.
/// </summary>
/// <example>
/// <code>
/// await using var cluster = await PatroniTestCluster.CreateAsync(cancellationToken: ct);   // pg-test-1 leads, pg-test-2 streams
/// var replica = await cluster.QueryRestApiAsync(cluster.Node(2), "/replica", cancellationToken: ct);
/// await cluster.KillNodeAsync(cluster.Node(1), ct);
/// await cluster.WaitForLeaderAsync(cluster.Node(2), cancellationToken: ct);
/// </code>
/// </example>
internal sealed partial class PatroniTestCluster : IAsyncDisposable
{
    /// <summary>Every node's postgres listens on the real PostgreSQL port, each on its own address.</summary>
    public const int PgPort = 5432;

    /// <summary>Every node's REST API listens on Patroni's standard port, each on its own address.</summary>
    public const int RestApiPort = 8008;

    /// <summary>The database that exists on every cluster from initdb on.</summary>
    public const string DefaultDatabase = "postgres";

    // Every address of the block must have these free: etcd takes the first address's client and peer ports.
    private static readonly int[] s_ports = [PgPort, RestApiPort, EtcdServer.ClientPort, EtcdServer.PeerPort];

    private readonly PgCommandRunner _runner;
    private readonly PatroniBinaries _programs;
    private readonly LoopbackBlock _addresses;
    private readonly ClusterDirectory _directory;
    private readonly HttpClient _http;
    private readonly List<PatroniNode> _nodes;
    private int _disposed;

    private PatroniTestCluster(PatroniTestClusterOptions options, PgCommandRunner runner, PatroniBinaries programs, LoopbackBlock addresses, ClusterDirectory directory)
    {
        Options = options;
        _runner = runner;
        _programs = programs;
        _addresses = addresses;
        _directory = directory;
        Credentials = PgTestCredentials.Generate();

        // Patroni's REST API answers HTTP/1.0 and closes; a developer's proxy must never see loopback traffic.
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Etcd = new EtcdServer(addresses.Addresses[0], Path.Combine(directory.FullPath, "etcd"), _http);
        _nodes = options.Nodes
            .Select((node, index) => new PatroniNode(
                options.ClusterName,
                index + 1,
                addresses.Addresses[index],
                Path.Combine(directory.FullPath, $"{options.ClusterName}-{index + 1}"),
                node.Tags))
            .ToList();
    }

    /// <summary>What the cluster was built with, <c>ttl</c> and <c>loop_wait</c> included.</summary>
    public PatroniTestClusterOptions Options { get; }

    /// <summary>Pigsty's <c>pg_cluster</c>.</summary>
    public string Name => Options.ClusterName;

    /// <summary>Patroni's <c>scope</c>: the cluster name, as Pigsty sets it.</summary>
    public string Scope => Options.ClusterName;

    /// <summary>Patroni's <c>namespace</c>, e.g. <c>/service</c>.</summary>
    public string Namespace => Options.Namespace;

    /// <summary>The DCS key holding the leader's member name, <c>&lt;namespace&gt;/&lt;scope&gt;/leader</c>, as vip-manager watches it.</summary>
    public string LeaderKey => DcsKey("leader");

    /// <summary>The temp directory holding etcd and every node; deleted on dispose.</summary>
    public string RootDirectory => _directory.FullPath;

    /// <summary>The PostgreSQL binaries Patroni runs (its <c>postgresql.bin_dir</c>).</summary>
    public PgBinaries Binaries => _runner.Binaries;

    /// <summary>patroni, patronictl and etcd.</summary>
    public PatroniBinaries Programs => _programs;

    /// <summary>True when the harness runs as root and therefore runs Patroni as the <c>postgres</c> OS user.</summary>
    public bool RunsAsServiceUser => _runner.RunAsServiceUser;

    /// <summary>The per-cluster random passwords of <see cref="PgTestUsers.All"/>.</summary>
    public PgTestCredentials Credentials { get; }

    /// <summary>The limit applied to each start, kill, switchover and wait.</summary>
    public TimeSpan OperationTimeout => Options.OperationTimeout;

    /// <summary>The DCS.</summary>
    public EtcdServer Etcd { get; }

    /// <summary>Every node in seq order.</summary>
    public IReadOnlyList<PatroniNode> Nodes => _nodes;

    /// <summary>The node with <c>pg_seq</c> <paramref name="seq"/>.</summary>
    public PatroniNode Node(int seq) =>
        seq >= 1 && seq <= _nodes.Count
            ? _nodes[seq - 1]
            : throw new ArgumentOutOfRangeException(nameof(seq), seq, $"{Name} has nodes 1 to {_nodes.Count}.");

    /// <summary>The node whose member name is <paramref name="name"/>.</summary>
    public PatroniNode Node(string name) =>
        _nodes.Find(node => node.Name == name)
            ?? throw new ArgumentException($"{Name} has no node '{name}'; its nodes are {string.Join(", ", _nodes.Select(node => node.Name))}.", nameof(name));

    /// <summary>The full DCS key of <paramref name="name"/> under this cluster, e.g. <c>/service/pg-test/members/pg-test-1</c>.</summary>
    public string DcsKey(string name) => $"{Namespace.TrimEnd('/')}/{Scope}/{name}";

    /// <summary>
    /// Starts etcd, then node 1 (which bootstraps the cluster and becomes the leader), creates the test users and
    /// database, starts the other nodes (which clone it with pg_basebackup), and returns once every REST API answers,
    /// node 1 alone answers <c>/primary</c> with 200 and every other node streams from it. On failure everything
    /// started is torn down and the exception carries the tails of the logs.
    /// </summary>
    public static async Task<PatroniTestCluster> CreateAsync(PatroniTestClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PatroniTestClusterOptions();
        options.Validate();
        var runner = new PgCommandRunner(PgBinaries.Locate(options.BinDirectory), PgCommandRunner.IsRoot());
        var programs = PatroniBinaries.Locate();
        await AbandonedClusterJanitor.SweepOnceAsync(cancellationToken);
        var addresses = LoopbackBlockAllocator.Shared.Reserve(options.Nodes.Count, s_ports);
        PatroniTestCluster? cluster = null;
        try
        {
            cluster = new PatroniTestCluster(options, runner, programs, addresses, ClusterDirectory.Create($"patroni-{options.ClusterName}"));
            await cluster.BootstrapAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            if (cluster is null)
            {
                addresses.Dispose();
            }
            else
            {
                await cluster.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// Stops every node (SIGTERM to Patroni, which stops its postgres; SIGKILL by PID if it has not exited in time;
    /// then any postgres left behind, by PID after checking its command line), then etcd, releases the addresses and
    /// deletes <see cref="RootDirectory"/>. Never throws for a process that will not stop.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(_nodes.Select(ShutDownNodeAsync));
            await Etcd.StopAsync(s_stopGracePeriod);
        }
        finally
        {
            _http.Dispose();
            _addresses.Dispose();
            await _directory.DisposeAsync();
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {string.Join(", ", _nodes.Select(node => $"{node.Name}@{node.Address}"))}, {Etcd} in {RootDirectory}";

    /// <summary>Formats a failure with the tails of etcd's log and every node's Patroni and postgres logs.</summary>
    private string DescribeFailure(string what) =>
        LogTail.Describe(
            what,
            [Etcd.LogPath, .. _nodes.SelectMany(node => new[] { node.PatroniLogPath, node.LogPath })],
            lines: 25);
}
