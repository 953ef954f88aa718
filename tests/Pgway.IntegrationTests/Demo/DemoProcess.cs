using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Pgway.IntegrationTests.Testing;

namespace Pgway.IntegrationTests.Demo;

/// <summary>
/// <c>pgway demo</c> run for real: the built CLI under <c>dotnet</c>, stdin a pipe the test writes to,
/// stdout and stderr collected (and appended to <c>demo-output.log</c> beside the demo directory for
/// debugging). Stopped by signals to its PID; disposal SIGKILLs it if it still runs.
/// </summary>
internal sealed class DemoProcess : IDisposable
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly string logPath;

    private DemoProcess(Process process, string logPath)
    {
        this.process = process;
        this.logPath = logPath;
    }

    public int Pid => process.Id;

    /// <summary>Everything printed so far, stdout and stderr interleaved as they arrived.</summary>
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

    public static DemoProcess Start(string directory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "pgway.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[cli, "demo", "--dir", directory, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start pgway demo");
        var demo = new DemoProcess(process, directory.TrimEnd('/') + "-output.log");
        process.OutputDataReceived += (_, e) => demo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => demo.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return demo;
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails with the output so far if it does not in time, or if the demo exits first.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        Eventually.HoldsAsync(
            () =>
            {
                if (Output.Contains(text, StringComparison.Ordinal))
                {
                    return true;
                }
                Assert.False(process.HasExited, process.HasExited ? $"pgway demo exited ({process.ExitCode}) before printing '{text}':\n{Output}" : "");
                return false;
            },
            timeout,
            () => Output);

    public async Task WriteLineAsync(string line)
    {
        await process.StandardInput.WriteLineAsync(line);
        await process.StandardInput.FlushAsync();
    }

    /// <summary>Sends a signal to the demo's PID.</summary>
    public void Signal(int signal) => Assert.Equal(0, Kill(process.Id, signal));

    /// <summary>The exit code once it has exited within <paramref name="timeout"/>; fails otherwise.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"pgway demo still runs {timeout.TotalSeconds:0} s later:\n{Output}");
        }
        return process.ExitCode;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
            File.AppendAllText(logPath, line + "\n");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
