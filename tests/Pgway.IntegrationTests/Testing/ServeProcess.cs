using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

/// <summary>
/// A real <c>pgway serve</c> process (the pgway built next to the tests, run by the same dotnet), as in
/// production: one per node. Its output is collected; disposing stops it (SIGTERM, then a kill after a
/// bound), by its own PID only. Should the test process end without disposing it, it is killed all the same:
/// at exit by <see cref="ExitReaper"/>, and after a SIGKILL by the next run's <see cref="AbandonedClusterJanitor"/>,
/// both from a PID file in a directory of its own (a <c>pgway serve</c> left running kept a loopback address
/// of the harness's, and the next run met "Address already in use").
/// </summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(30);

    private readonly Process process;
    private readonly ClusterDirectory directory;
    private readonly StringBuilder output = new();
    private string? reaperKey;

    private ServeProcess(Process process, ClusterDirectory directory)
    {
        this.process = process;
        this.directory = directory;
    }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>Everything it printed so far (standard output and error, interleaved).</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts <c>pgway serve</c> with <paramref name="arguments"/> after <c>serve</c>.</summary>
    public static ServeProcess Launch(params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "pgway.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[dll, "serve", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        var serve = new ServeProcess(new Process { StartInfo = start }, ClusterDirectory.Create("serve"));
        serve.process.OutputDataReceived += serve.Append;
        serve.process.ErrorDataReceived += serve.Append;
        serve.process.Start();
        serve.RecordPid(dll);
        serve.process.BeginOutputReadLine();
        serve.process.BeginErrorReadLine();
        return serve;
    }

    // The janitor looks for PID files one directory down, and kills only a PID whose command line still has the
    // identifying argument: pgway.dll's path, so a PID reused by another program is never touched.
    private void RecordPid(string dll)
    {
        var pidFile = Path.Combine(Directory.CreateDirectory(Path.Combine(directory.FullPath, "process")).FullName, "pgway.pid");
        DaemonProcess.WritePidFile(pidFile, process.Id, dll);
        reaperKey = string.Create(CultureInfo.InvariantCulture, $"pgway serve {process.Id}");
        ExitReaper.Track(reaperKey, () => DaemonProcess.KillFromPidFile(pidFile));
    }

    /// <summary>Stops it as systemd would (SIGTERM, it drains and exits); killed if it has not within a bound.</summary>
    public async Task StopAsync()
    {
        if (process.HasExited)
        {
            return;
        }
        using (var kill = Process.Start("kill", ["-s", "TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var bound = new CancellationTokenSource(StopBound);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
            if (reaperKey is not null)
            {
                ExitReaper.Forget(reaperKey);
            }
        }
        finally
        {
            process.Dispose();
            await directory.DisposeAsync();
        }
    }

    private void Append(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is not null)
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        }
    }
}
