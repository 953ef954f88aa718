using System.Globalization;

namespace Pgway.Testing.Network;

// Running commands and long-lived processes inside the hosts' namespaces.
internal sealed partial class TestNetwork
{
    private static readonly TimeSpan s_stopGracePeriod = TimeSpan.FromSeconds(10);

    private readonly Lock _processesGate = new();
    private readonly List<(NetworkHost Host, DaemonProcess Process, string ReaperKey)> _processes = [];

    /// <summary>Runs <paramref name="program"/> inside <paramref name="host"/>'s namespace and returns its exit code and output.</summary>
    public static Task<CommandResult> RunAsync(
        NetworkHost host,
        string program,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        PgCommandRunner.RunAsync("ip", ["netns", "exec", host.Namespace, program, .. arguments], Path.GetTempPath(), environment, timeout ?? s_commandTimeout, cancellationToken);

    /// <summary>
    /// Starts a long-running <paramref name="program"/> inside <paramref name="host"/>'s namespace, as
    /// <paramref name="userName"/> (null: root) with its output appended to <c>&lt;directory&gt;/&lt;name&gt;.log</c>.
    /// <c>ip netns exec</c> and <c>setpriv</c> exec, so the PID tracked is the program's own. The PID file
    /// <c>&lt;directory&gt;/&lt;name&gt;.pid</c> names <paramref name="identifyingArgument"/> for the janitor.
    /// </summary>
    public DaemonProcess Start(
        NetworkHost host,
        string name,
        string directory,
        string program,
        IReadOnlyList<string> arguments,
        string identifyingArgument,
        string? userName = null)
    {
        Directory.CreateDirectory(directory);
        IReadOnlyList<string> asUser = userName is null
            ? []
            : ["setpriv", $"--reuid={userName}", $"--regid={userName}", "--init-groups", "--"];
        var process = DaemonProcess.Start(new DaemonCommand(
            "ip",
            ["netns", "exec", host.Namespace, .. asUser, program, .. arguments],
            identifyingArgument,
            directory,
            Path.Combine(directory, name + ".log"),
            Path.Combine(directory, name + ".pid")));
        var reaperKey = string.Create(CultureInfo.InvariantCulture, $"netns process {process.Pid}");
        ExitReaper.Track(reaperKey, () => process.Kill());
        lock (_processesGate)
        {
            _processes.Add((host, process, reaperKey));
        }

        return process;
    }

    /// <summary>SIGKILLs every process started on <paramref name="host"/> (and what they forked), as a crashed machine would lose them.</summary>
    public async Task KillHostProcessesAsync(NetworkHost host)
    {
        foreach (var (_, process, reaperKey) in TakeProcesses(host))
        {
            process.Kill();
            await process.WaitForExitAsync(s_stopGracePeriod, CancellationToken.None);
            Release(process, reaperKey);
        }
    }

    private async Task StopAllProcessesAsync()
    {
        await Task.WhenAll(TakeProcesses(null).Select(async entry =>
        {
            await entry.Process.StopAsync(s_stopGracePeriod);
            Release(entry.Process, entry.ReaperKey);
        }));
    }

    private List<(NetworkHost Host, DaemonProcess Process, string ReaperKey)> TakeProcesses(NetworkHost? host)
    {
        lock (_processesGate)
        {
            var taken = _processes.Where(entry => host is null || entry.Host == host).ToList();
            _processes.RemoveAll(entry => host is null || entry.Host == host);
            return taken;
        }
    }

    private static void Release(DaemonProcess process, string reaperKey)
    {
        if (!process.IsRunning)
        {
            ExitReaper.Forget(reaperKey);
            File.Delete(process.Command.PidFilePath);
        }

        process.Dispose();
    }
}
