using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// A real PgBouncer (the installed one) with a configuration written for a test, in a folder of its
/// own; stopped by its PID when disposed. PgBouncer refuses to run as root: under root it runs as
/// the postgres user (setpriv execs it, so the PID is PgBouncer's own).
/// </summary>
internal sealed class PgBouncerProcess : IDisposable
{
    public const string Binary = "/usr/sbin/pgbouncer";

    private readonly Process process;
    private readonly DirectoryInfo folder;

    private PgBouncerProcess(Process process, DirectoryInfo folder, IPEndPoint endPoint)
    {
        this.process = process;
        this.folder = folder;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public string Log => File.Exists(LogPath(folder)) ? File.ReadAllText(LogPath(folder)) : "";

    /// <summary>Started and accepting connections, on a free port of <paramref name="address"/>.</summary>
    public static async Task<PgBouncerProcess> StartAsync(IPAddress address, string databases, IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> users, TimeSpan bound)
    {
        Assert.True(File.Exists(Binary), $"PgBouncer is not installed at {Binary} (apt-get install pgbouncer)");
        var folder = Directory.CreateTempSubdirectory("pgway-pgbouncer-");
        var port = FreePort(address);
        var userList = Path.Combine(folder.FullName, "userlist.txt");
        await File.WriteAllLinesAsync(userList, users.Select(u => $"\"{u.Key}\" \"{u.Value}\""));
        var ini = new List<string> { "[databases]", databases, "[pgbouncer]", $"listen_addr = {address}", $"listen_port = {port}", "unix_socket_dir =",
            $"auth_file = {userList}", $"logfile = {LogPath(folder)}" };
        ini.AddRange(settings.Select(s => $"{s.Key} = {s.Value}"));
        var config = Path.Combine(folder.FullName, "pgbouncer.ini");
        await File.WriteAllLinesAsync(config, ini);
        var start = new ProcessStartInfo(PgCommandRunner.IsRoot() ? "setpriv" : Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        if (PgCommandRunner.IsRoot() && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
            foreach (var argument in (string[])["--reuid=postgres", "--regid=postgres", "--init-groups", "--", Binary])
            {
                start.ArgumentList.Add(argument);
            }
        }
        start.ArgumentList.Add(config);
        var process = Process.Start(start)!;
        var started = new PgBouncerProcess(process, folder, new IPEndPoint(address, port));
        try
        {
            var watch = Stopwatch.StartNew();
            while (!await AcceptsAsync(started.EndPoint))
            {
                Assert.False(process.HasExited, $"PgBouncer exited: {started.Log}");
                Assert.True(watch.Elapsed < bound, $"PgBouncer did not listen within {bound.TotalSeconds:0} s: {started.Log}");
                await Task.Delay(50);
            }
            return started;
        }
        catch
        {
            started.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(10_000);
        }
        process.Dispose();
        folder.Delete(recursive: true);
    }

    private static string LogPath(DirectoryInfo folder) => Path.Combine(folder.FullName, "pgbouncer.log");

    private static int FreePort(IPAddress address)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static async Task<bool> AcceptsAsync(IPEndPoint endPoint)
    {
        using var probe = new TcpClient();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await probe.ConnectAsync(endPoint, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    public override string ToString() => $"PgBouncer on {EndPoint} (pid {process.Id.ToString(CultureInfo.InvariantCulture)})";
}
