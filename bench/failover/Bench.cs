using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Pgway.Bench.Failover;

/// <summary>What the scenarios share: progress lines, starting pgway and HAProxy, waiting for a target to take writes.</summary>
internal static class Bench
{
    public static void Say(string line) =>
        Console.Error.WriteLine($"{DateTime.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {line}");

    public static async Task<ChildProcess> StartPgwayAsync(BenchSettings settings, string work, string name, string inventory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(work, $"{name}.yml");
        await File.WriteAllTextAsync(path, inventory, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);   // it holds this run's passwords
        }

        return ChildProcess.Start(name, settings.PgwayBinary, ["serve", "-c", path, "--log-level", settings.PgwayLogLevel, .. arguments], Path.Combine(work, $"{name}.log"));
    }

    public static async Task<ChildProcess> StartHaproxyAsync(BenchSettings settings, string work, string inventory, CancellationToken cancellationToken)
    {
        var inventoryPath = Path.Combine(work, "haproxy-inventory.yml");
        await File.WriteAllTextAsync(inventoryPath, inventory, cancellationToken);
        var render = await RunAsync(settings.PgwayBinary, ["render", "haproxy", "-c", inventoryPath], cancellationToken);
        var configPath = Path.Combine(work, "haproxy.cfg");
        await File.WriteAllTextAsync(configPath, Inventories.ForForeground(render, settings.Address), cancellationToken);
        await RunAsync(settings.HaproxyBinary, ["-c", "-q", "-f", configPath], cancellationToken);
        return ChildProcess.Start("haproxy", settings.HaproxyBinary, ["-db", "-f", configPath], Path.Combine(work, "haproxy.log"));
    }

    /// <summary>Returns once one write through <paramref name="target"/> commits; throws after <paramref name="timeout"/>.</summary>
    public static async Task WaitForWriteAsync(Target target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var settings = new NpgsqlConnectionStringBuilder(target.ConnectionStrings[0]) { Pooling = false, Timeout = 2, CommandTimeout = 2 };
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            if (target.Proxy is { IsRunning: false } proxy)
            {
                throw new InvalidOperationException($"{proxy.Name} exited:\n{proxy.Tail(20)}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(settings.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var insert = new NpgsqlCommand("INSERT INTO failover_writes (target, client, attempt) VALUES ('ready', 0, 0)", connection);
                await insert.ExecuteNonQueryAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException e)
            {
                last = e.Message;
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"{target.Name} took no write within {timeout.TotalSeconds:F0} s (last error: {last}):\n{target.Proxy?.Tail(20)}");
    }

    public static bool PortTaken(IPAddress address, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}");
        }

        return await output;
    }
}
