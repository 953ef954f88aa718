using System.Diagnostics;
using System.Globalization;
using Pgway.LocalPostgres;

namespace Pgway.Testing;

/// <summary>
/// Every process that names one data directory on its command line: a postmaster (<c>postgres -D dir</c>), and what
/// Patroni runs on the directory (<c>pg_basebackup --pgdata=dir</c>, <c>pg_rewind --target-pgdata=dir</c>, single-user
/// <c>postgres --single -D dir</c>). Patroni starts its postmaster in a session of its own, so killing Patroni's
/// process tree leaves it; and one Patroni was starting (its <c>postmaster.pid</c> not yet written) is found by
/// nothing else. A lab that removes the directory must stop them all first, or a survivor keeps the port and answers
/// for the new clone.
/// </summary>
internal static class DataDirectoryProcesses
{
    /// <summary>The PIDs of the live processes naming <paramref name="dataDirectory"/>.</summary>
    public static IReadOnlyList<int> Find(string dataDirectory)
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId
                && ProcessCommandLine.Read(pid) is { } arguments
                && arguments.Any(argument => Names(argument, dataDirectory)))
            {
                found.Add(pid);
            }
        }

        return found;
    }

    /// <summary>SIGKILLs every process naming <paramref name="dataDirectory"/> and waits until none is left.</summary>
    public static async Task KillAllAsync(string dataDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        IReadOnlyList<int> left = [];
        await Wait.UntilAsync(
            _ =>
            {
                left = Find(dataDirectory);
                foreach (var pid in left)
                {
                    try
                    {
                        using var process = Process.GetProcessById(pid);
                        process.Kill(entireProcessTree: true);
                    }
                    catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or AggregateException)
                    {
                        // Gone meanwhile: the next look tells.
                    }
                }

                return Task.FromResult(left.Count == 0);
            },
            timeout,
            () => $"processes on {dataDirectory} survived SIGKILL: {string.Join(", ", left)}",
            cancellationToken);
    }

    // "-D dir" gives dir as an argument of its own; "--pgdata=dir", "--target-pgdata=dir" and "-Ddir" join them.
    private static bool Names(string argument, string dataDirectory) =>
        argument == dataDirectory
        || argument == "-D" + dataDirectory
        || (argument.StartsWith("--", StringComparison.Ordinal) && argument.EndsWith("=" + dataDirectory, StringComparison.Ordinal));
}
