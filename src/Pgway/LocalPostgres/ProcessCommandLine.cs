namespace Pgway.LocalPostgres;

/// <summary>
/// Reads a process's command line from <c>/proc</c>. pgway and its test harness act on a PID only while
/// it still runs a command line holding an argument unique to what they started (a data directory, a config
/// file), because PIDs get reused.
/// </summary>
internal static class ProcessCommandLine
{
    /// <summary>The arguments of <paramref name="pid"/> (the program first), or null when there is no such process.</summary>
    public static string[]? Read(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid}/cmdline");
            return raw.Length == 0 ? null : raw.TrimEnd('\0').Split('\0');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="pid"/> is alive and has <paramref name="argument"/>, exactly, among its arguments.</summary>
    public static bool Has(int pid, string argument) =>
        PostmasterProcess.IsAlive(pid)
        && Read(pid) is { } arguments
        && arguments.Contains(argument, StringComparer.Ordinal);
}
