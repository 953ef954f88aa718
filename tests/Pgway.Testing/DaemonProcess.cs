using System.Diagnostics;
using System.Globalization;

namespace Pgway.Testing;

/// <summary>
/// A long-running program the harness starts itself (etcd, Patroni), with stdout and stderr appended to a log
/// file. It is signalled only while it runs (a child's PID is not reused before it is reaped). A PID file
/// beside the log, with the command's identifying argument, lets <see cref="AbandonedClusterJanitor"/> find it
/// after the test process itself was SIGKILLed, and check the PID's command line before killing it.
/// </summary>
internal sealed class DaemonProcess : IDisposable
{
    // exec keeps the PID: the one Process.Start returns is the daemon's own, not a wrapper's.
    private const string RedirectAndExec = "log=$1; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1";

    private static readonly TimeSpan s_killTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;

    private DaemonProcess(Process process, DaemonCommand command)
    {
        _process = process;
        Pid = process.Id;
        Command = command;
    }

    public int Pid { get; }

    public DaemonCommand Command { get; }

    /// <summary>
    /// Whether the daemon still runs. It is this process's child, so its PID cannot be reused before the runtime
    /// reaps it, and the runtime's own record is exact (a command line read during an exec may be empty).
    /// </summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>The exit code once <see cref="IsRunning"/> is false (a negative number for a signal); else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static DaemonProcess Start(DaemonCommand command)
    {
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = command.WorkingDirectory,
        };
        if (command.UserName is not null)
        {
            // .NET switches user and groups in the forked child on Linux, without a runuser process in between.
            startInfo.UserName = command.UserName;
        }

        foreach (var argument in (string[])["-c", RedirectAndExec, "sh", command.LogPath, command.Program, .. command.Arguments])
        {
            startInfo.ArgumentList.Add(argument);
        }

        PgCommandRunner.PrepareEnvironment(startInfo, null);

        // Daemons talk HTTP to loopback addresses only; a developer's proxy settings would send that astray.
        foreach (var key in startInfo.Environment.Keys.Where(key => key.EndsWith("_proxy", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            startInfo.Environment.Remove(key);
        }

        startInfo.Environment["HOME"] = command.WorkingDirectory;
        var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {command.Program}.");
        WritePidFile(command.PidFilePath, process.Id, command.IdentifyingArgument);
        return new DaemonProcess(process, command);
    }

    /// <summary>
    /// Writes the PID file <see cref="KillFromPidFile"/> reads: the PID, then an argument of the process's command line
    /// that tells it from another program given the same PID later.
    /// </summary>
    public static void WritePidFile(string path, int pid, string identifyingArgument) =>
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $"{pid}\n{identifyingArgument}\n"));

    /// <summary>Asks the daemon to shut down (SIGTERM). False if it is no longer running.</summary>
    public bool Terminate() => IsRunning && NativeMethods.SendSignal(Pid, NativeMethods.SigTerm) == 0;

    /// <summary>SIGKILLs the daemon and every process it forked that is still its descendant. False if it is no longer running.</summary>
    public bool Kill()
    {
        if (!IsRunning)
        {
            return false;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
            return true;
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception or AggregateException)
        {
            // Exited meanwhile, or a descendant could not be signalled: callers check IsRunning for the outcome.
            return false;
        }
    }

    /// <summary>Returns true once the daemon has exited, false if it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return !IsRunning;
        }
    }

    /// <summary>SIGTERM, up to <paramref name="gracePeriod"/> to exit, then SIGKILL. Returns whether it is gone; never throws.</summary>
    public async Task<bool> StopAsync(TimeSpan gracePeriod)
    {
        if (Terminate() && await WaitForExitAsync(gracePeriod, CancellationToken.None))
        {
            return true;
        }

        Kill();
        return await WaitForExitAsync(s_killTimeout, CancellationToken.None);
    }

    /// <summary>
    /// For the janitor: SIGKILLs the daemon a PID file names if that PID still runs with the identifying
    /// argument the file records. Returns the PID killed, or null.
    /// </summary>
    public static int? KillFromPidFile(string pidFilePath)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(pidFilePath);
        }
        catch (IOException)
        {
            return null;
        }

        if (lines.Length < 2 || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || !ProcessCommandLine.Has(pid, lines[1]))
        {
            return null;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            return pid;
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public void Dispose() => _process.Dispose();
}
