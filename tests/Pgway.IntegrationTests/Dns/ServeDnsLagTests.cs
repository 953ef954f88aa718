using System.Net;
using Npgsql;
using Pgway.Cli;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Dns;

/// <summary>
/// Issue 22: the replica name drops a replica the moment the replica service drops it for lagging past its check
/// (<c>/read-only?lag=…</c>, as Pigsty's replica services can ask Patroni), and names it again once it has caught up.
/// Replay is paused on the replica while the primary writes, so its receiver sees the primary's position run ahead.
/// The routing is read where it acts: which server a new connection to the replica service reaches.
/// </summary>
public sealed class ServeDnsLagTests(ITestOutputHelper output) : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica), IDisposable
{
    private const int DnsPort = 8600;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-dnslag-{Guid.NewGuid():N}.yml");

    [Fact]
    public async Task Serve_ReplicaLagsPastItsCheck_ReplicaNameDropsItWithTheServiceAndTakesItBack()
    {
        var (primary, replica) = (Cluster.Primary, Cluster.Instance(2));
        var (p, r) = (primary.Address.ToString(), replica.Address.ToString());
        const string options = "inter 200ms fastinter 200ms downinter 200ms rise 1 fall 1";
        await File.WriteAllTextAsync(file, Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_default_services",
                $"[{{name: primary, port: 5433, ip: '{r}', dest: postgres, selector: '[]', check: /primary, options: '{options}'}}, " +
                $"{{name: replica, port: 5434, ip: '{r}', dest: postgres, selector: '[]', backup: '[? pg_role == `primary` ]', check: '/read-only?lag=64kB', options: '{options}'}}]"),
        ]));
        using var stop = new CancellationTokenSource();
        var printed = new StringWriter();
        var writer = TextWriter.Synchronized(printed);
        var serve = Task.Run(() => PgwayCommand.RunAsync(["serve", "-c", file, "--node", p, "--node", r, "--no-vip", "--no-admin"], CliContext.ForWriters(writer, writer), stop.Token));
        using var dns = DnsAsker.Create();
        var server = new IPEndPoint(primary.Address, DnsPort);
        Func<Task<string>> replicaName = () => dns.AddressesAsync(server, "replica.pg-test");
        // pgway's routing itself: where the replica service sends a new connection now.
        var service = new NpgsqlConnectionStringBuilder(Cluster.ConnectionString(primary)) { Host = r, Port = 5434, Pooling = false, Timeout = 5 }.ConnectionString;
        Func<Task<string>> replicaService = async () =>
        {
            try
            {
                return await PgConnections.ScalarAsync<string>(service, "SELECT host(inet_server_addr())", [], CancellationToken.None) ?? "";
            }
            catch (NpgsqlException e)
            {
                return e.Message;
            }
        };
        try
        {
            await Eventually.HoldsAsync(async () => await replicaName() == r && await replicaService() == r, Wait, () => printed.ToString());

            await Cluster.ExecuteNonQueryAsync(primary, "CREATE TABLE lag_filler (filler text)");
            await Cluster.ExecuteNonQueryAsync(replica, "SELECT pg_wal_replay_pause()");
            // About 1 MB of WAL, sixteen times the check's limit: streamed to the replica, not replayed there.
            await Cluster.ExecuteNonQueryAsync(primary, "INSERT INTO lag_filler SELECT repeat('x', 1000) FROM generate_series(1, 1000)");
            var (routed, dropped) = await WatchBothAsync(replicaService, replicaName, p);
            output.WriteLine($"lagging replica: the service sends to the primary (its backup) at {routed}; replica.pg-test answers {dropped.DescribeAfter(routed.FirstAfter)}");

            await Cluster.ExecuteNonQueryAsync(replica, "SELECT pg_wal_replay_resume()");
            var (routedBack, back) = await WatchBothAsync(replicaService, replicaName, r);
            output.WriteLine($"caught-up replica: the service sends to it again at {routedBack}; replica.pg-test answers {back.DescribeAfter(routedBack.FirstAfter)}");

            // The name follows the service's state, not a check of its own: within a round or two of the routing
            // (generous bounds for a loaded machine; the figures above are what it took).
            Assert.InRange(ChangeWatch.Since(routed.FirstAfter, dropped.FirstAfter), TimeSpan.FromSeconds(-2), TimeSpan.FromSeconds(5));
            Assert.InRange(ChangeWatch.Since(routedBack.FirstAfter, back.FirstAfter), TimeSpan.FromSeconds(-2), TimeSpan.FromSeconds(5));
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await serve);
    }

    // Watches the service and the name side by side until both give the address expected.
    private static async Task<(WatchedChange Routed, WatchedChange Answered)> WatchBothAsync(Func<Task<string>> service, Func<Task<string>> name, string expected)
    {
        var routed = ChangeWatch.WaitAsync(service, address => address == expected, Wait);
        var answered = ChangeWatch.WaitAsync(name, address => address == expected, Wait);
        return (await routed, await answered);
    }

    public void Dispose() => File.Delete(file);
}
