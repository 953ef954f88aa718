namespace Pgway.Testing;

/// <summary>
/// Cleans up after test processes that died without any chance to clean up (SIGKILL, a CI hang timeout).
/// Every cluster directory holds an exclusively locked <c>owner.lock</c> for its lifetime; the kernel drops
/// that lock when the owner dies, so a lock that can be taken marks an abandoned cluster, whose daemons and
/// postmasters (checked against their PID files' command lines, never by name) are killed and whose directory is removed.
/// </summary>
internal static class AbandonedClusterJanitor
{
    public const string DirectoryPrefix = "pgway-";
    public const string OwnerLockFileName = "owner.lock";

    /// <summary>The PID files of <see cref="DaemonProcess"/>es, directly in a member's directory (postgres keeps its own inside <c>data/</c>).</summary>
    public const string DaemonPidFilePattern = "*.pid";

    // A lock file is created a moment before it is locked; an owner that young may simply not have locked it yet.
    private static readonly TimeSpan s_minimumAge = TimeSpan.FromSeconds(10);
    private static int s_swept;

    /// <summary>Sweeps the temp directory, once per process, and returns once the killed processes are gone.</summary>
    public static async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref s_swept, 1) != 0)
        {
            return;
        }

        var killed = Sweep(Path.GetTempPath());
        if (killed.Count == 0)
        {
            return;
        }

        try
        {
            // Their addresses are free for reuse only once the processes have exited.
            await Wait.UntilAsync(
                _ => Task.FromResult(!killed.Any(PostmasterProcess.IsAlive)),
                TimeSpan.FromSeconds(10),
                () => $"abandoned processes {string.Join(", ", killed.Where(PostmasterProcess.IsAlive))} survived SIGKILL.",
                cancellationToken);
        }
        catch (TimeoutException)
        {
            // Not worth failing a test over: the allocator skips any block still in use.
        }
    }

    /// <summary>Takes the owner lock of a new cluster directory; hold it until the directory is deleted.</summary>
    public static FileStream ClaimOwnership(string clusterDirectory) =>
        new(Path.Combine(clusterDirectory, OwnerLockFileName), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);

    private static List<int> Sweep(string tempDirectory)
    {
        var killed = new List<int>();
        foreach (var clusterDirectory in Directory.EnumerateDirectories(tempDirectory, DirectoryPrefix + "*"))
        {
            var lockPath = Path.Combine(clusterDirectory, OwnerLockFileName);
            try
            {
                if (!File.Exists(lockPath) || DateTime.UtcNow - File.GetLastWriteTimeUtc(lockPath) < s_minimumAge)
                {
                    continue;
                }

                using var abandoned = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                var memberDirectories = Directory.EnumerateDirectories(clusterDirectory).ToList();

                // Daemons first (Patroni, etcd): a Patroni left alive would start its postgres again.
                foreach (var pidFile in memberDirectories.SelectMany(directory => Directory.EnumerateFiles(directory, DaemonPidFilePattern)))
                {
                    if (DaemonProcess.KillFromPidFile(pidFile) is { } pid)
                    {
                        killed.Add(pid);
                    }
                }

                foreach (var instanceDirectory in memberDirectories)
                {
                    var dataDirectory = Path.Combine(instanceDirectory, "data");
                    if (PostmasterProcess.ReadPidFile(Path.Combine(dataDirectory, "postmaster.pid")) is { } pid
                        && PostmasterProcess.KillTree(pid, dataDirectory))
                    {
                        killed.Add(pid);
                    }
                }

                Directory.Delete(clusterDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Locked: its owner is alive. Or it vanished meanwhile: nothing to do either way.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's cluster: not ours to clean.
            }
        }

        return killed;
    }
}
