using System.Net;

namespace Pgway.Testing;

/// <summary>
/// One node of a <see cref="PatroniTestCluster"/>: a Patroni process and the PostgreSQL it runs, on the node's
/// own loopback address (postgres on 5432, the REST API on 8008), with its config, data directory, socket
/// directory and logs under the cluster's directory.
/// </summary>
internal sealed class PatroniNode
{
    internal PatroniNode(string clusterName, int seq, IPAddress address, string directory, IReadOnlyDictionary<string, object> tags)
    {
        Name = $"{clusterName}-{seq}";
        Seq = seq;
        Address = address;
        Directory = directory;
        Tags = tags;
    }

    /// <summary>The member name, <c>&lt;cluster&gt;-&lt;seq&gt;</c>; also its replication <c>application_name</c>.</summary>
    public string Name { get; }

    /// <summary>Pigsty's <c>pg_seq</c>.</summary>
    public int Seq { get; }

    /// <summary>
    /// The role the node had when the cluster formed: seq 1 bootstraps and leads, the others replicate. It does not
    /// change on switchover or failover, as in an inventory; ask <see cref="PatroniTestCluster.LeaderAsync"/> for now.
    /// </summary>
    public PgInstanceRole Role => Seq == 1 ? PgInstanceRole.Primary : PgInstanceRole.Replica;

    /// <summary>The loopback address of postgres and of the REST API.</summary>
    public IPAddress Address { get; }

    /// <summary>The PostgreSQL port, always the real one.</summary>
    public int PgPort { get; } = PatroniTestCluster.PgPort;

    /// <summary>The REST API port, Patroni's standard.</summary>
    public int RestApiPort { get; } = PatroniTestCluster.RestApiPort;

    /// <summary>The REST API's base URL, <c>http://&lt;address&gt;:8008/</c>.</summary>
    public Uri RestApiUrl => new($"http://{Address}:{RestApiPort}/");

    /// <summary>Patroni's tags for this node.</summary>
    public IReadOnlyDictionary<string, object> Tags { get; }

    /// <summary>The directory holding everything of this node.</summary>
    public string Directory { get; }

    /// <summary>The data directory (PGDATA), made by Patroni: initdb on node 1, pg_basebackup on the others.</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The <c>unix_socket_directories</c> of this node's postgres.</summary>
    public string SocketDirectory => Path.Combine(Directory, "socket");

    /// <summary>Patroni's configuration file (YAML). Give it to <c>patronictl -c</c>.</summary>
    public string ConfigPath => Path.Combine(Directory, "patroni.yml");

    /// <summary>PostgreSQL's log (its logging collector writes here once started; start-up messages go to <see cref="PatroniLogPath"/>).</summary>
    public string LogPath => Path.Combine(Directory, "postgres.log");

    /// <summary>Patroni's stdout and stderr.</summary>
    public string PatroniLogPath => Path.Combine(Directory, "patroni.log");

    /// <summary>The PID of this node's Patroni while it runs; null once killed or stopped.</summary>
    public int? PatroniPid => Patroni is { IsRunning: true } patroni ? patroni.Pid : null;

    /// <summary>The PID of this node's postmaster, read from its <c>postmaster.pid</c>, while it runs; else null.</summary>
    public int? PostmasterPid =>
        PostmasterProcess.ReadPidFile(PidFilePath) is { } pid && PostmasterProcess.IsPostmasterOf(pid, DataDirectory) ? pid : null;

    internal string PidFilePath => Path.Combine(DataDirectory, "postmaster.pid");

    internal string PatroniPidFilePath => Path.Combine(Directory, "patroni.pid");

    /// <summary>The Patroni process last started for this node; null before the first start.</summary>
    internal DaemonProcess? Patroni { get; set; }

    /// <summary>The most recent lines of <see cref="LogPath"/>.</summary>
    public string ReadLogTail(int lines = 40) => LogTail.Read(LogPath, lines);

    /// <summary>The most recent lines of <see cref="PatroniLogPath"/>.</summary>
    public string ReadPatroniLogTail(int lines = 40) => LogTail.Read(PatroniLogPath, lines);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Address}, REST API {RestApiUrl})";
}
