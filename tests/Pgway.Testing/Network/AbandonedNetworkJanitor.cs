using System.Globalization;

namespace Pgway.Testing.Network;

/// <summary>
/// Removes the namespaces of test processes that died without disposing their <see cref="TestNetwork"/>
/// (SIGKILL, a CI hang timeout): a harness namespace whose owner PID (in its name) no longer runs has its
/// processes (<c>ip netns pids</c>) SIGKILLed and is deleted. Namespaces of live owners are left alone.
/// Processes with files, such as postgres, are also covered by <see cref="AbandonedClusterJanitor"/> through
/// the cluster directory; this covers whatever was started inside the namespaces.
/// </summary>
internal static class AbandonedNetworkJanitor
{
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(30);
    private static int s_swept;

    /// <summary>Sweeps once per test process.</summary>
    public static async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref s_swept, 1) == 0)
        {
            await SweepAsync(cancellationToken);
        }
    }

    /// <summary>Deletes every harness namespace whose owner is gone, and returns their names.</summary>
    public static async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken)
    {
        var list = await PgCommandRunner.RunAsync("ip", ["netns", "list"], Path.GetTempPath(), null, s_commandTimeout, cancellationToken);
        if (!list.Succeeded)
        {
            return [];
        }

        var removed = new List<string>();

        // Lines read "name" or "name (id: 3)".
        foreach (var name in list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line => line.Split(' ')[0]))
        {
            if (NetnsNames.OwnerOf(name) is { } owner && !IsAlive(owner))
            {
                await DeleteNamespaceAsync(name, cancellationToken);
                removed.Add(name);
            }
        }

        return removed;
    }

    /// <summary>SIGKILLs every process in namespace <paramref name="name"/>, waits for them to go, deletes it. Never throws for a namespace that is gone.</summary>
    public static async Task DeleteNamespaceAsync(string name, CancellationToken cancellationToken)
    {
        var pids = await PidsInAsync(name, cancellationToken);
        foreach (var pid in pids)
        {
            await PgCommandRunner.RunAsync("kill", ["-s", "KILL", pid.ToString(CultureInfo.InvariantCulture)], Path.GetTempPath(), null, s_commandTimeout, cancellationToken);
        }

        if (pids.Count > 0)
        {
            try
            {
                await Wait.UntilAsync(
                    async token => (await PidsInAsync(name, token)).Count == 0,
                    TimeSpan.FromSeconds(10),
                    () => $"processes in netns {name} survived SIGKILL",
                    cancellationToken);
            }
            catch (TimeoutException)
            {
                // Deleting the name anyway: the namespace itself lives on until its last process exits.
            }
        }

        await PgCommandRunner.RunAsync("ip", ["netns", "delete", name], Path.GetTempPath(), null, s_commandTimeout, cancellationToken);
    }

    private static async Task<List<int>> PidsInAsync(string name, CancellationToken cancellationToken)
    {
        var result = await PgCommandRunner.RunAsync("ip", ["netns", "pids", name], Path.GetTempPath(), null, s_commandTimeout, cancellationToken);
        return result.Succeeded
            ? [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => int.Parse(line, NumberStyles.None, CultureInfo.InvariantCulture))]
            : [];
    }

    // A PID reused by an unrelated process keeps the namespaces until that process ends: the safe side.
    private static bool IsAlive(int pid) => Directory.Exists(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}"));
}
