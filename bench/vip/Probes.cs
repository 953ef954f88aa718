using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;
using Pgway.LocalPostgres;
using Pgway.Testing.Network;

namespace Pgway.Bench.Vip;

/// <summary>
/// The three things a client sees after a leader change, each polled from the client namespace until it holds:
/// the VIP answers ARP from the new leader's MAC (<see cref="ArpProbe"/>); a TCP connection to VIP:5433 opens while the client's neighbour
/// entry for the VIP is that MAC (so the SYN went to the new host); a write through VIP:5433 commits on the new primary.
/// </summary>
internal static partial class Probes
{
    /// <summary>Attempts of one probe running at once.</summary>
    private const int MaxInFlight = 128;

    /// <summary>Until a TCP connection to <paramref name="vip"/>:<paramref name="port"/> opens with the client's neighbour entry for it at <paramref name="mac"/>.</summary>
    public static Task<TimeSpan?> TcpAsync(TestNetwork network, IPAddress vip, int port, string mac, Stopwatch clock, BenchSettings settings, CancellationToken cancellationToken) =>
        PollAsync(clock, settings, async token =>
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
            attempt.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                using var socket = await NetnsSocket.ConnectAsync(network.Client, new IPEndPoint(vip, port), attempt.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or InvalidOperationException && !token.IsCancellationRequested)
            {
                return false;
            }

            return string.Equals(await NeighbourMacAsync(network, vip, token), mac, StringComparison.OrdinalIgnoreCase);
        }, cancellationToken);

    /// <summary>Until an INSERT over <paramref name="connectionString"/> (a relay to a VIP) commits on the PostgreSQL at <paramref name="primary"/>.</summary>
    public static Task<TimeSpan?> WriteAsync(string connectionString, IPAddress primary, string stack, Stopwatch clock, BenchSettings settings, CancellationToken cancellationToken) =>
        PollAsync(clock, settings, async token =>
        {
            try
            {
                return await InsertAsync(connectionString, stack, token) is { } server && server.Equals(primary);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or IOException && !token.IsCancellationRequested)
            {
                return false;
            }
        }, cancellationToken);

    /// <summary>One INSERT on a new connection; the address of the server that committed it.</summary>
    public static async Task<IPAddress?> InsertAsync(string connectionString, string stack, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var insert = new NpgsqlCommand("INSERT INTO vip_writes (stack) VALUES ($1) RETURNING host(inet_server_addr())", connection);
        insert.Parameters.AddWithValue(stack);
        return await insert.ExecuteScalarAsync(cancellationToken) is string address ? IPAddress.Parse(address) : null;
    }

    /// <summary>The MAC address of <paramref name="host"/>'s interface.</summary>
    public static async Task<string> MacOfAsync(NetworkHost host, CancellationToken cancellationToken)
    {
        var result = await TestNetwork.RunAsync(host, "cat", [$"/sys/class/net/{NetworkHost.Interface}/address"], null, null, cancellationToken);
        return result.Succeeded ? result.StandardOutput.Trim() : throw new InvalidOperationException($"No MAC address for {host}: {result.Describe()}");
    }

    /// <summary>The addresses <paramref name="host"/>'s interface holds.</summary>
    public static async Task<string> AddressesAsync(NetworkHost host, CancellationToken cancellationToken) =>
        (await TestNetwork.RunAsync(host, "ip", ["-4", "-o", "addr", "show", "dev", NetworkHost.Interface], null, null, cancellationToken)).StandardOutput;

    private static async Task<string?> NeighbourMacAsync(TestNetwork network, IPAddress vip, CancellationToken cancellationToken)
    {
        var result = await TestNetwork.RunAsync(network.Client, "ip", ["neigh", "show", vip.ToString(), "dev", NetworkHost.Interface], null, TimeSpan.FromSeconds(5), cancellationToken);
        return NeighbourMac().Match(result.StandardOutput) is { Success: true } entry ? entry.Groups[1].Value : null;
    }

    /// <summary>
    /// Starts an attempt every probe interval, with up to <see cref="MaxInFlight"/> running at once (a connection toward
    /// a VIP nobody answers for yet waits for its SYN's retransmission, so attempts one after another would measure
    /// that wait instead of the move), and returns when the first succeeds; null after the probe timeout.
    /// </summary>
    private static async Task<TimeSpan?> PollAsync(Stopwatch clock, BenchSettings settings, Func<CancellationToken, Task<bool>> attempt, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(settings.ProbeTimeout);
        var running = new List<Task<bool>>();
        try
        {
            while (true)
            {
                running.RemoveAll(task => task.IsCompleted && !task.Result);
                if (running.Find(task => task.IsCompletedSuccessfully && task.Result) is not null)
                {
                    return clock.Elapsed;
                }

                if (running.Count < MaxInFlight)
                {
                    running.Add(Guarded(attempt, deadline.Token));
                }

                var tick = Task.Delay(settings.ProbeInterval, deadline.Token);
                var first = await Task.WhenAny([tick, .. running]);
                if (first != tick && ((Task<bool>)first).Result)
                {
                    return clock.Elapsed;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;   // timed out: the round reports it as missing
        }
        finally
        {
            await deadline.CancelAsync();
            await Task.WhenAll(running);
        }
    }

    private static async Task<bool> Guarded(Func<CancellationToken, Task<bool>> attempt, CancellationToken cancellationToken)
    {
        try
        {
            return await attempt(cancellationToken);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            return false;   // the probe is over (an answer came, or its time ran out)
        }
    }

    // ip neigh: "198.51.100.2 lladdr aa:bb:cc:dd:ee:ff REACHABLE"
    [GeneratedRegex(@"lladdr ([0-9a-f:]{17})")]
    private static partial Regex NeighbourMac();
}
