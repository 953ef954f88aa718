using Pgway.Model;

namespace Pgway.Demo;

/// <summary>
/// One PostgreSQL instance of a <see cref="LocalCluster"/>: its own loopback address and port, data
/// directory, Unix socket directory and log file, all under the instance's directory.
/// </summary>
internal sealed class LocalInstance
{
    internal LocalInstance(Instance instance, string directory)
    {
        Inventory = instance;
        Directory = directory;
    }

    /// <summary>What the inventory declares (name, address, port, role).</summary>
    public Instance Inventory { get; }

    public string Name => Inventory.Name;

    public string Address => Inventory.Address;

    public int Port => Inventory.PgPort;

    /// <summary>The directory holding everything of this instance.</summary>
    public string Directory { get; }

    /// <summary>PGDATA.</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The instance's own <c>unix_socket_directories</c>: instances sharing one would fight over its lock file.</summary>
    public string SocketDirectory => Path.Combine(Directory, "socket");

    /// <summary>The server log (pg_ctl <c>-l</c>).</summary>
    public string LogPath => Path.Combine(Directory, "postgres.log");

    /// <summary>The postmaster's lock file; its first line is the PID.</summary>
    public string PidFilePath => Path.Combine(DataDirectory, "postmaster.pid");

    /// <summary>The physical replication slot the instance streams through (slot names allow no dash).</summary>
    public string SlotName => Name.Replace('-', '_');

    /// <summary>Whether initdb or pg_basebackup has made the data directory.</summary>
    public bool HasData => File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));

    /// <summary>Whether the instance starts as a standby.</summary>
    public bool IsStandby => File.Exists(Path.Combine(DataDirectory, "standby.signal"));

    /// <summary>The running postmaster's PID from its lock file, or null when none runs on this data directory.</summary>
    public int? RunningPid =>
        LocalPostgres.PostmasterProcess.ReadPidFile(PidFilePath) is { } pid && LocalPostgres.PostmasterProcess.IsPostmasterOf(pid, DataDirectory) ? pid : null;

    public override string ToString() => $"{Name} ({Address}:{Port})";
}
