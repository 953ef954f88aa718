using Npgsql;
using Pgway.LocalPostgres;
using Pgway.Model;

namespace Pgway.Demo;

/// <summary>
/// A real PostgreSQL streaming cluster on this machine, built from an inventory's cluster with
/// nothing but PostgreSQL's binaries: one directory per instance under <see cref="Directory"/>, each
/// instance on its own address and port with its own Unix socket directory, the replicas cloned with
/// pg_basebackup and streaming through replication slots. Everything runs through pg_ctl (as the
/// <c>postgres</c> OS user when this process is root, since initdb refuses root). Kept data is
/// started again as it was left, the current primary included.
/// </summary>
internal sealed partial class LocalCluster
{
    private const string PrimaryFile = "primary";

    private readonly PgCommandRunner runner;
    private readonly List<LocalInstance> instances;

    public LocalCluster(Cluster cluster, string directory, PgCommandRunner runner, TimeSpan operationTimeout)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        Directory = Path.GetFullPath(directory);
        this.runner = runner;
        OperationTimeout = operationTimeout;
        instances = [.. cluster.Instances.OrderBy(i => i.Seq).Select(i => new LocalInstance(i, Path.Combine(Directory, i.Name)))];
        Primary = instances.FirstOrDefault(i => i.Inventory.Role == InstanceRole.Primary)
            ?? throw new ArgumentException($"cluster {cluster.Name} has no primary in the inventory", nameof(cluster));
    }

    /// <summary>The directory holding every instance's.</summary>
    public string Directory { get; }

    /// <summary>The limit of each start, stop, promotion and wait.</summary>
    public TimeSpan OperationTimeout { get; }

    public IReadOnlyList<LocalInstance> Instances => instances;

    /// <summary>The instance that runs as primary now: the inventory's, until a failover.</summary>
    public LocalInstance Primary { get; private set; }

    /// <summary>The instances that stream from <see cref="Primary"/>.</summary>
    public IEnumerable<LocalInstance> Standbys => instances.Where(i => i != Primary);

    /// <summary>Whether every instance has data from an earlier run (kept with <c>--keep</c>).</summary>
    public bool HasData => instances.All(i => i.HasData);

    /// <summary>The postmasters running on this cluster's data directories now.</summary>
    public IReadOnlyList<int> RunningPids => [.. instances.Select(i => i.RunningPid).OfType<int>()];

    /// <summary>
    /// Null when PostgreSQL can run here; otherwise why not. As root, PostgreSQL runs as the
    /// <c>postgres</c> OS user, which must exist and be able to write <see cref="Directory"/>.
    /// </summary>
    public async Task<string?> CheckServiceUserAsync(CancellationToken cancellationToken)
    {
        if (!runner.RunAsServiceUser)
        {
            return null;
        }
        var user = PgCommandRunner.ServiceUser;
        var exists = await PgCommandRunner.RunAsync("id", ["-u", user], Path.GetTempPath(), null, TimeSpan.FromSeconds(10), cancellationToken);
        if (!exists.Succeeded)
        {
            return $"this process runs as root, and initdb refuses root, so PostgreSQL runs as the '{user}' OS user, which does not exist here: " +
                $"create it (useradd --system --create-home {user}; the postgresql package does) or run pgway demo as a regular user.";
        }
        System.IO.Directory.CreateDirectory(Directory);
        await runner.HandOverAsync(Directory, cancellationToken);
        var writable = await PgCommandRunner.RunAsync("runuser", ["-u", user, "--", "test", "-w", Directory], Path.GetTempPath(), null, TimeSpan.FromSeconds(10), cancellationToken);
        return writable.Succeeded
            ? null
            : $"the '{user}' OS user cannot write {Directory} (PostgreSQL runs as that user because this process is root): " +
                $"pass --dir in a directory it can reach, such as {Path.Combine(Path.GetTempPath(), "pgway-demo")}.";
    }

    /// <summary>
    /// Builds the cluster, or starts the kept one: the primary first, then every standby, cloning again
    /// any instance whose data is missing or that ran as a primary before a failover. Returns once
    /// every standby streams. <paramref name="progress"/> hears each step.
    /// </summary>
    public async Task StartAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var kept = HasData;
        if (kept)
        {
            Primary = ReadPrimary() ?? Primary;
            progress($"starting the kept cluster in {Directory} ({Primary.Name} is primary)");
        }
        else
        {
            progress($"creating {Primary.Name} with initdb in {Directory}");
            foreach (var instance in instances)
            {
                Remove(instance.Directory);
            }
            System.IO.Directory.CreateDirectory(Directory);
            await InitPrimaryAsync(cancellationToken);
        }
        await StartInstanceAsync(Primary, cancellationToken);
        if (!kept)
        {
            progress("creating Pigsty's default roles, the users and the databases");
            await CreateRolesAsync(cancellationToken);
        }
        await WritePrimaryAsync(cancellationToken);
        foreach (var standby in Standbys)
        {
            await EnsureSlotAsync(Primary, standby, cancellationToken);
            if (!standby.HasData || !standby.IsStandby)
            {
                progress($"cloning {standby.Name} from {Primary.Name} with pg_basebackup");
                await CloneAsync(standby, cancellationToken);
            }
            else
            {
                await WriteInstanceConfAsync(standby, Primary, cancellationToken);
            }
        }
        await Task.WhenAll(Standbys.Select(s => StartInstanceAsync(s, cancellationToken)));
        await WaitForStreamingAsync(Standbys.ToList(), cancellationToken);
    }

    /// <summary>
    /// Fails over to <paramref name="target"/>: stops the primary (fast), promotes the target, and
    /// points the other standbys at it. The old primary stays stopped.
    /// </summary>
    public async Task FailoverAsync(LocalInstance target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target == Primary)
        {
            throw new InvalidOperationException($"{target.Name} is the primary already");
        }
        var old = Primary;
        await StopInstanceAsync(old, cancellationToken);
        var result = await PgCtlAsync(target, ["promote"], cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(LogTail.Describe($"promoting {target.Name} failed: {result.Describe()}", target.LogPath));
        }
        Primary = target;
        await WritePrimaryAsync(cancellationToken);
        var followers = Standbys.Where(s => s != old && s.RunningPid is not null).ToList();
        foreach (var follower in followers)
        {
            await EnsureSlotAsync(target, follower, cancellationToken);
            await WriteInstanceConfAsync(follower, target, cancellationToken);
            // primary_conninfo is reloadable: the WAL receiver reconnects to the new primary and follows its timeline.
            await ExecuteAsync(follower, "SELECT pg_reload_conf()", cancellationToken);
        }
        await WaitForStreamingAsync(followers, cancellationToken);
    }

    /// <summary>Whether <paramref name="instance"/> runs and is out of recovery, asked over its own socket.</summary>
    public static async Task<bool> IsPrimaryAsync(LocalInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (instance.RunningPid is null)
        {
            return false;
        }
        await using var connection = Connect(instance);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT NOT pg_is_in_recovery()", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Stops every instance that runs on this cluster's data directories, an earlier run's included:
    /// pg_ctl stop fast, then immediate, then SIGKILL of the postmaster by PID. Returns once each is gone.
    /// </summary>
    public Task StopAsync() => Task.WhenAll(instances.Select(ShutDownAsync));

    /// <summary>
    /// Deletes what the cluster made in <see cref="Directory"/> (each instance's directory and its own
    /// files) and the given <paramref name="files"/>, then the directory itself if nothing else is
    /// left in it: a <c>--dir</c> pointed at a folder with other things in it loses none of them.
    /// Call after <see cref="StopAsync"/>.
    /// </summary>
    public void Delete(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var instance in instances)
        {
            Remove(instance.Directory);
        }
        foreach (var file in files.Append(Path.Combine(Directory, PrimaryFile)))
        {
            File.Delete(file);
        }
        if (System.IO.Directory.Exists(Directory) && !System.IO.Directory.EnumerateFileSystemEntries(Directory).Any())
        {
            System.IO.Directory.Delete(Directory);
        }
    }

    private async Task ShutDownAsync(LocalInstance instance)
    {
        if (instance.RunningPid is not { } pid)
        {
            return;
        }
        foreach (var mode in (string[])["fast", "immediate"])
        {
            try
            {
                if ((await PgCtlAsync(instance, ["-m", mode, "stop"], CancellationToken.None)).Succeeded)
                {
                    break;
                }
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Escalate: stopping must not leave a server behind.
            }
        }
        if (PostmasterProcess.IsAlive(pid))
        {
            PostmasterProcess.KillTree(pid, instance.DataDirectory);
        }
        await Wait.UntilAsync(_ => Task.FromResult(!PostmasterProcess.IsAlive(pid)), OperationTimeout,
            () => LogTail.Describe($"{instance.Name} (PID {pid}) still runs", instance.LogPath), CancellationToken.None);
    }

    private async Task StartInstanceAsync(LocalInstance instance, CancellationToken cancellationToken)
    {
        if (instance.RunningPid is not null)
        {
            return;
        }
        PostmasterProcess.RemoveStaleLockFiles(instance.DataDirectory, instance.SocketDirectory, instance.Port);
        var result = await PgCtlAsync(instance, ["-l", instance.LogPath, "start"], cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(LogTail.Describe($"starting {instance.Name} failed: {result.Describe()}", instance.LogPath));
        }
    }

    private async Task StopInstanceAsync(LocalInstance instance, CancellationToken cancellationToken)
    {
        if (instance.RunningPid is not { } pid)
        {
            return;
        }
        var result = await PgCtlAsync(instance, ["-m", "fast", "stop"], cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(LogTail.Describe($"stopping {instance.Name} failed: {result.Describe()}", instance.LogPath));
        }
        // pg_ctl returns once postmaster.pid is gone, a moment before the postmaster exits.
        await Wait.UntilAsync(_ => Task.FromResult(!PostmasterProcess.IsAlive(pid)), OperationTimeout,
            () => LogTail.Describe($"{instance.Name} (PID {pid}) still runs after pg_ctl stop", instance.LogPath), cancellationToken);
    }

    private async Task WaitForStreamingAsync(List<LocalInstance> standbys, CancellationToken cancellationToken)
    {
        if (standbys.Count == 0)
        {
            return;
        }
        var names = standbys.Select(s => s.Name).ToArray();
        long streaming = 0;
        await Wait.UntilAsync(
            async token =>
            {
                await using var connection = Connect(Primary);
                await connection.OpenAsync(token);
                await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = ANY($1)", connection)
                {
                    Parameters = { new() { Value = names } },
                };
                streaming = (long)(await command.ExecuteScalarAsync(token))!;
                return streaming == names.Length;
            },
            OperationTimeout,
            () => LogTail.Describe($"only {streaming} of {string.Join(", ", names)} stream from {Primary.Name}", standbys.Select(s => s.LogPath).Prepend(Primary.LogPath), 20),
            cancellationToken);
    }

    private static async Task EnsureSlotAsync(LocalInstance primary, LocalInstance standby, CancellationToken cancellationToken) =>
        await ExecuteAsync(primary,
            $"SELECT pg_create_physical_replication_slot('{standby.SlotName}') WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = '{standby.SlotName}')",
            cancellationToken);

    private LocalInstance? ReadPrimary()
    {
        var path = Path.Combine(Directory, PrimaryFile);
        var name = File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        return instances.FirstOrDefault(i => i.Name == name);
    }

    private Task WritePrimaryAsync(CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(Path.Combine(Directory, PrimaryFile), Primary.Name + "\n", cancellationToken);

    private static async Task ExecuteAsync(LocalInstance instance, string sql, CancellationToken cancellationToken, string database = "postgres")
    {
        await using var connection = Connect(instance, database);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // The database superuser over the instance's own socket, which pg_hba.conf trusts (as Pigsty's ident does).
    private static NpgsqlConnection Connect(LocalInstance instance, string database = "postgres") =>
        new(new NpgsqlConnectionStringBuilder
        {
            Host = instance.SocketDirectory,
            Port = instance.Port,
            Username = "postgres",
            Database = database,
            Pooling = false,
            Timeout = 10,
        }.ConnectionString);

    private Task<CommandResult> PgCtlAsync(LocalInstance instance, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        runner.PgCtlAsync(instance.DataDirectory, arguments, instance.Directory, OperationTimeout, cancellationToken);

    private static void Remove(string directory)
    {
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }
}
