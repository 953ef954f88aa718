using System.Net;

namespace Pgway.Testing;

/// <summary>
/// One PostgreSQL instance of a <see cref="PgTestCluster"/>: its own loopback address on port 5432,
/// data directory, socket directory and log file. Live state is updated by the cluster's helpers.
/// </summary>
internal sealed class PgInstance
{
    internal PgInstance(string clusterName, int seq, PgInstanceRole role, IPAddress address, string directory)
    {
        Name = $"{clusterName}-{seq}";
        Seq = seq;
        Role = role;
        Address = address;
        Directory = directory;
    }

    /// <summary>The instance name, <c>&lt;cluster&gt;-&lt;seq&gt;</c>; also its <c>cluster_name</c> and replication <c>application_name</c>.</summary>
    public string Name { get; }

    /// <summary>Pigsty's <c>pg_seq</c>: 1 is the primary.</summary>
    public int Seq { get; }

    /// <summary>The role the instance was created with. It does not change on promotion, as in an inventory.</summary>
    public PgInstanceRole Role { get; }

    /// <summary>The loopback address the instance listens on.</summary>
    public IPAddress Address { get; }

    /// <summary>The TCP port, always the real PostgreSQL port.</summary>
    public int Port { get; } = PgTestCluster.Port;

    /// <summary>The directory holding everything of this instance.</summary>
    public string Directory { get; }

    /// <summary>The data directory (PGDATA).</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The <c>unix_socket_directories</c> of this instance, separate so that instances do not fight over the socket lock.</summary>
    public string SocketDirectory => Path.Combine(Directory, "socket");

    /// <summary>The postmaster's lock file; its first line is the PID.</summary>
    internal string PidFilePath => Path.Combine(DataDirectory, "postmaster.pid");

    /// <summary>The server log (pg_ctl <c>-l</c>). Read it when a test fails.</summary>
    public string LogPath => Path.Combine(Directory, "postgres.log");

    /// <summary>The postmaster PID while the harness believes it runs; null when stopped or killed.</summary>
    public int? Pid { get; internal set; }

    /// <summary>The instance this one streams from, or null for a primary (including a promoted replica).</summary>
    public PgInstance? Upstream { get; internal set; }

    /// <summary>The most recent lines of <see cref="LogPath"/>, for failure messages.</summary>
    public string ReadLogTail(int lines = 40) => LogTail.Read(LogPath, lines);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Role}, {Address}:{Port})";
}
