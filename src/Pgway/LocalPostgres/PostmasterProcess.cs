using System.Diagnostics;

namespace Pgway.LocalPostgres;

/// <summary>
/// Looks at and kills postmaster processes by PID, only ever the PIDs this process started,
/// and only while the PID still runs the postmaster of the expected data directory (PIDs get reused).
/// </summary>
internal static class PostmasterProcess
{
    /// <summary>
    /// Whether <paramref name="pid"/> is a live process. A zombie counts as dead: in a container whose
    /// init does not reap, a killed postmaster may linger as one and would look alive to <c>kill -0</c>.
    /// </summary>
    public static bool IsAlive(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }

        // The state follows the command name, which is in parentheses and may itself contain spaces.
        var afterName = stat.LastIndexOf(')');
        if (afterName < 0 || afterName + 2 >= stat.Length)
        {
            return false;
        }

        var state = stat[afterName + 2];
        return state is not ('Z' or 'X' or 'x');
    }

    /// <summary>Whether the live process <paramref name="pid"/> is a postgres started on <paramref name="dataDirectory"/>.</summary>
    internal static bool IsPostmasterOf(int pid, string dataDirectory)
    {
        if (!IsAlive(pid))
        {
            return false;
        }

        // pg_ctl and Patroni exec "postgres -D <dir>" with the directory exactly as given, and the postmaster keeps that command line.
        var arguments = ProcessCommandLine.Read(pid);
        return arguments is not null
            && Path.GetFileName(arguments[0]) is "postgres" or "postmaster"
            && arguments.Contains(dataDirectory, StringComparer.Ordinal);
    }

    /// <summary>The PID in the first line of a postgres lock file (<c>postmaster.pid</c>, a socket's <c>.lock</c>), or null if there is no such file.</summary>
    internal static int? ReadPidFile(string path)
    {
        try
        {
            using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            return int.TryParse(reader.ReadLine(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// SIGKILLs the postmaster and every process it forked, as a crashing machine would. Returns false,
    /// doing nothing, when the PID is not (or no longer) the postmaster of <paramref name="dataDirectory"/>.
    /// </summary>
    internal static bool KillTree(int pid, string dataDirectory)
    {
        if (!IsPostmasterOf(pid, dataDirectory))
        {
            return false;
        }

        try
        {
            // .NET stops the root first and then walks /proc, so no child forked in between escapes.
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Removes the lock files of a postmaster that is gone. After a SIGKILL its PID can linger as a zombie
    /// (a container's init may reap late or never), and postgres, seeing that PID answer kill -0, would
    /// refuse to start on the data directory and the socket; a reused PID would fool it the same way.
    /// </summary>
    internal static void RemoveStaleLockFiles(string dataDirectory, string socketDirectory, int port)
    {
        string[] lockFiles = [Path.Combine(dataDirectory, "postmaster.pid"), Path.Combine(socketDirectory, $".s.PGSQL.{port}.lock")];
        foreach (var lockFile in lockFiles)
        {
            if (ReadPidFile(lockFile) is { } pid && !IsPostmasterOf(pid, dataDirectory))
            {
                File.Delete(lockFile);
            }
        }
    }
}
