namespace Pgway.Testing;

/// <summary>
/// A real PostgreSQL streaming-replication cluster built from the binaries on the machine, for
/// integration tests. Each instance listens on its own loopback address with the real port 5432, has
/// its own data directory, socket directory and log file under a fresh temp directory, and is driven
/// with pg_ctl (through <c>runuser -u postgres</c> when the tests run as root). Disposing stops every
/// instance, kills what refuses to stop, and deletes the directory.
/// </summary>
/// <example>
/// <code>
/// await using var cluster = await PgTestCluster.CreateAsync(PgTestClusterOptions.PrimaryAndReplica, ct);
/// await cluster.ExecuteNonQueryAsync(cluster.Primary, "CREATE TABLE t (id int)", cancellationToken: ct);
/// await cluster.WaitForCatchUpAsync(cluster.Replicas[0], ct);
/// </code>
/// </example>
internal sealed partial class PgTestCluster : IAsyncDisposable
{
    /// <summary>Every instance listens on the real PostgreSQL port, each on its own address.</summary>
    public const int Port = 5432;

    /// <summary>The database that exists on every cluster from initdb on.</summary>
    public const string DefaultDatabase = "postgres";

    private readonly PgCommandRunner _runner;
    private readonly LoopbackBlock _addresses;
    private readonly List<PgInstance> _instances;

    private readonly ClusterDirectory _directory;
    private int _disposed;

    private PgTestCluster(PgTestClusterOptions options, PgCommandRunner runner, LoopbackBlock addresses, ClusterDirectory directory)
    {
        _runner = runner;
        _addresses = addresses;
        _directory = directory;
        Name = options.ClusterName;
        OperationTimeout = options.OperationTimeout;
        var rootDirectory = directory.FullPath;
        Credentials = PgTestCredentials.Generate();
        _instances = options.Roles
            .Select((role, index) => new PgInstance(
                options.ClusterName,
                index + 1,
                role,
                addresses.Addresses[index],
                Path.Combine(rootDirectory, $"{options.ClusterName}-{index + 1}")))
            .ToList();
        foreach (var replica in _instances.Skip(1))
        {
            replica.Upstream = _instances[0];
        }
    }

    /// <summary>Pigsty's <c>pg_cluster</c>.</summary>
    public string Name { get; }

    /// <summary>The temp directory holding every instance; deleted on dispose.</summary>
    public string RootDirectory => _directory.FullPath;

    /// <summary>The PostgreSQL binaries in use.</summary>
    public PgBinaries Binaries => _runner.Binaries;

    /// <summary>True when the harness runs as root and therefore runs PostgreSQL as the <c>postgres</c> OS user.</summary>
    public bool RunsAsServiceUser => _runner.RunAsServiceUser;

    /// <summary>The per-cluster random passwords of <see cref="PgTestUsers.All"/>.</summary>
    public PgTestCredentials Credentials { get; }

    /// <summary>The limit applied to each start, stop, promotion and wait.</summary>
    public TimeSpan OperationTimeout { get; }

    /// <summary>Every instance in seq order.</summary>
    public IReadOnlyList<PgInstance> Instances => _instances;

    /// <summary>The instance created as primary (seq 1). After a promotion elsewhere it is still this one.</summary>
    public PgInstance Primary => _instances[0];

    /// <summary>The instances created as standbys (replica and offline), in seq order.</summary>
    public IReadOnlyList<PgInstance> Replicas => _instances.Skip(1).ToList();

    /// <summary>The instance with <c>pg_seq</c> <paramref name="seq"/>.</summary>
    public PgInstance Instance(int seq) =>
        seq >= 1 && seq <= _instances.Count
            ? _instances[seq - 1]
            : throw new ArgumentOutOfRangeException(nameof(seq), seq, $"{Name} has instances 1 to {_instances.Count}.");

    /// <summary>The first instance created with <paramref name="role"/>.</summary>
    public PgInstance Instance(PgInstanceRole role) =>
        _instances.Find(instance => instance.Role == role)
            ?? throw new ArgumentException($"{Name} has no {role} instance.", nameof(role));

    /// <summary>
    /// Builds and starts a cluster: initdb of the primary, users and the test database, then every standby
    /// by pg_basebackup, and returns once every standby streams. On failure everything started is torn down.
    /// </summary>
    public static async Task<PgTestCluster> CreateAsync(PgTestClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PgTestClusterOptions();
        options.Validate();
        var runner = new PgCommandRunner(PgBinaries.Locate(options.BinDirectory), PgCommandRunner.IsRoot());
        await AbandonedClusterJanitor.SweepOnceAsync(cancellationToken);
        var addresses = options.BaseAddress is null
            ? LoopbackBlockAllocator.Shared.Reserve(options.Roles.Count)
            : LoopbackBlockAllocator.ReserveExplicit(options.BaseAddress, options.Roles.Count);
        PgTestCluster? cluster = null;
        try
        {
            cluster = new PgTestCluster(options, runner, addresses, ClusterDirectory.Create(options.ClusterName));
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
    /// Stops every instance (fast, then immediate, then SIGKILL of the PID it started), releases the
    /// addresses and deletes <see cref="RootDirectory"/>. Never throws for a server that will not stop.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(_instances.Select(ShutDownAsync));
        }
        finally
        {
            _addresses.Dispose();
            await _directory.DisposeAsync();
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {string.Join(", ", _instances.Select(instance => $"{instance.Name}@{instance.Address}"))} in {RootDirectory}";
}
