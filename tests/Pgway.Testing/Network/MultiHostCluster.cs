using System.Globalization;
using Npgsql;

namespace Pgway.Testing.Network;

/// <summary>
/// A Pigsty-style cluster <c>pg-test</c> spread over the hosts of a <see cref="TestNetwork"/>: each host runs
/// its own PostgreSQL 15 (host 1 the primary, the others streaming replicas that replicate across the bridge)
/// and, when <see cref="MultiHostClusterOptions.ServeCommand"/> is given, its own <c>pgway serve --node
/// &lt;its address&gt;</c> over one inventory. The harness itself reaches the instances through their UNIX
/// sockets; everything else goes over the segment. Disposing kills the hosts' processes, deletes the
/// namespaces and the directory.
/// </summary>
internal sealed partial class MultiHostCluster : IAsyncDisposable
{
    /// <summary>Pigsty's <c>pg_cluster</c>.</summary>
    public const string ClusterName = "pg-test";

    /// <summary>PostgreSQL's port on every host.</summary>
    public const int PostgresPort = 5432;

    private readonly PgCommandRunner _runner;
    private readonly ClusterDirectory _directory;
    private readonly MultiHostClusterOptions _options;

    private MultiHostCluster(MultiHostClusterOptions options, TestNetwork network, ClusterDirectory directory, PgCommandRunner runner)
    {
        _options = options;
        Network = network;
        _directory = directory;
        _runner = runner;
        Credentials = PgTestCredentials.Generate();
        Members =
        [
            .. network.Hosts.Select((host, index) => new MultiHostMember(
                index + 1,
                host,
                index == 0 ? PgInstanceRole.Primary : PgInstanceRole.Replica,
                Path.Combine(directory.FullPath, host.Name))),
        ];
    }

    /// <summary>The network the cluster runs on.</summary>
    public TestNetwork Network { get; }

    /// <summary>The members in pg_seq order; the first is the primary.</summary>
    public IReadOnlyList<MultiHostMember> Members { get; }

    /// <summary>The primary at creation (with Patroni, ask <see cref="LeaderAsync"/> for the current one).</summary>
    public MultiHostMember Primary => Members[0];

    /// <summary>The users' random passwords.</summary>
    public PgTestCredentials Credentials { get; }

    /// <summary>The inventory every host's pgway serves (written once the cluster runs).</summary>
    public string InventoryPath => Path.Combine(_directory.FullPath, "pigsty.yml");

    /// <summary>Member <paramref name="seq"/>.</summary>
    public MultiHostMember Member(int seq) => Members[seq - 1];

    /// <summary>Builds the network and the cluster; returns once the replicas stream and, with pgway, every host's :5433 reaches the primary from the client.</summary>
    public static async Task<MultiHostCluster> CreateAsync(MultiHostClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MultiHostClusterOptions();
        var runner = new PgCommandRunner(PgBinaries.Locate(null), PgCommandRunner.IsRoot());
        await AbandonedClusterJanitor.SweepOnceAsync(cancellationToken);
        var network = await TestNetwork.CreateAsync(options.HostCount, cancellationToken);
        var cluster = new MultiHostCluster(options, network, ClusterDirectory.Create("netlab"), runner);
        try
        {
            if (options.EtcdMembers is < 0 || options.EtcdMembers > options.HostCount)
            {
                throw new ArgumentException($"{nameof(options.EtcdMembers)} must be between 0 and the {options.HostCount} hosts; got {options.EtcdMembers}.", nameof(options));
            }

            // etcd forms while PostgreSQL is built: the members wait for each other, not for the harness.
            var etcd = options.EtcdMembers > 0 ? cluster.StartEtcdAsync(cancellationToken) : Task.CompletedTask;
            if (options.Patroni)
            {
                await etcd;
                await cluster.BootstrapPatroniAsync(cancellationToken);
            }
            else
            {
                await cluster.BootstrapAsync(cancellationToken);
                await etcd;
            }

            if (options.ServeCommand is { } serve)
            {
                await cluster.StartPgwayAsync(serve, cancellationToken);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection string to <paramref name="member"/> over its UNIX socket as <c>postgres</c> (trust), from the root namespace.</summary>
    public static string SocketConnectionString(MultiHostMember member, string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = member.SocketDirectory,
            Port = PostgresPort,
            Username = PgTestUsers.Postgres,
            Database = database,
            Pooling = false,
            Timeout = 10,
        }.ConnectionString;

    /// <summary>Kills every process of every host, then deletes the namespaces and the directory. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        // SIGKILL is enough for throw-away servers (fsync is off, the data is deleted next) and never waits on a client.
        foreach (var host in Network.Hosts)
        {
            await Network.KillHostProcessesAsync(host);
        }

        KillOrphanedPostmasters();

        await Network.DisposeAsync();
        await _directory.DisposeAsync();
    }

    /// <summary>What the cluster's files say, for a failure message.</summary>
    public string DescribeLogs(int lines = 30) => DescribeLogs(Members, lines);

    /// <summary>What the files of <paramref name="members"/> say, in that order (CI keeps the end of a failure's output).</summary>
    public string DescribeLogs(IEnumerable<MultiHostMember> members, int lines = 30) =>
        string.Join('\n', members.Select(member =>
            $"--- {member} postgres:\n{LogTail.Read(member.PostgresLogPath, lines)}\n--- {member} pgway:\n{LogTail.Read(member.PgwayLogPath, lines)}"
            + (_options.Patroni ? $"\n--- {member} patroni:\n{PatroniLogTail(member, lines)}" : string.Empty)));

    // Patroni says "Lock owner: ...; I am ..." and "no action. I am ..." every loop: without those lines the tail
    // reaches back to what it did.
    private static string PatroniLogTail(MultiHostMember member, int lines) =>
        string.Join('\n', LogTail.Read(Path.Combine(member.Directory, "patroni.log"), 2000)
            .Split('\n')
            .Where(line => !line.Contains("INFO: no action. I am", StringComparison.Ordinal) && !line.Contains("INFO: Lock owner: ", StringComparison.Ordinal))
            .TakeLast(lines));

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{ClusterName} on {Network}");
}
