using System.Diagnostics;
using System.Text;

namespace Pgway.IntegrationTests.Admin;

/// <summary>
/// A real <c>pgway serve</c> process (the built pgway next to the tests, run by the same dotnet), its
/// output collected; disposing kills it if it still runs (only this process, by its id).
/// </summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServeProcess(Process process) => this.process = process;

    public static ServeProcess Start(params string[] arguments) => Run(["serve", .. arguments]);

    /// <summary>Any pgway command, as a process of its own.</summary>
    public static ServeProcess Run(params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "pgway.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[dll, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = start };
        var serve = new ServeProcess(process);
        process.OutputDataReceived += serve.Append;
        process.ErrorDataReceived += serve.Append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return serve;
    }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

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

    /// <summary>Waits for the process to end (its output read to the end); the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(limit.Token);
        return process.ExitCode;
    }

    /// <summary>SIGTERM, as systemd stops it.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-s", "TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: false);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        process.Dispose();
    }
}
