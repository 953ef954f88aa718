using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pgway.IntegrationTests.Testing;

/// <summary>
/// A real <c>pgway serve</c> process (the pgway built next to the tests, run by the same dotnet), as in
/// production: one per node. Its output is collected; disposing stops it (SIGTERM, then a kill after a
/// bound), by its own PID only.
/// </summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(30);

    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServeProcess(Process process) => this.process = process;

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
        var serve = new ServeProcess(new Process { StartInfo = start });
        serve.process.OutputDataReceived += serve.Append;
        serve.process.ErrorDataReceived += serve.Append;
        serve.process.Start();
        serve.process.BeginOutputReadLine();
        serve.process.BeginErrorReadLine();
        return serve;
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
        }
        finally
        {
            process.Dispose();
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
