using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Pgway.Bench.Failover;

/// <summary>
/// A process the bench starts (pgway serve, HAProxy), stopped by its own PID only: SIGTERM, then SIGKILL after
/// a grace period; also when the bench exits on an error or Ctrl-C. Each line it prints is written to its log
/// prefixed with the UTC time it arrived, so events (a member marked up) can be placed on the round's time line.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> s_running = new();
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _gate = new();
    private readonly List<(DateTime At, string Line)> _lines = [];

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    private ChildProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        _process = process;
        _log = log;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool IsRunning => !_process.HasExited;

    public static ChildProcess Start(string name, string program, IReadOnlyList<string> arguments, string logPath)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, new StreamWriter(logPath) { AutoFlush = true });
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.Start();
        s_running[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The first line containing <paramref name="text"/> that arrived after <paramref name="after"/>.</summary>
    public DateTime? FirstLineAfter(DateTime after, string text)
    {
        lock (_gate)
        {
            foreach (var (at, line) in _lines)
            {
                if (at > after && line.Contains(text, StringComparison.Ordinal))
                {
                    return at;
                }
            }
        }

        return null;
    }

    public string Tail(int count)
    {
        lock (_gate)
        {
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - count)).Select(l => l.Line));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal(_process.Id, 15);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }

        s_running.TryRemove(_process.Id, out _);
        _process.Dispose();
        lock (_gate)
        {
            _log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        var at = DateTime.UtcNow;
        lock (_gate)
        {
            _lines.Add((at, line));
            _log.WriteLine($"{at.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {line}");
        }
    }

    private static void KillAll()
    {
        foreach (var process in s_running.Values)
        {
            try
            {
                process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }

    private static void Signal(int pid, int signal)
    {
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            kill?.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No kill(1): fall back to SIGKILL in DisposeAsync after the grace period.
        }
    }
}
