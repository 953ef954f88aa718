using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.IntegrationTests.Agent;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Routing;

/// <summary>
/// Service ports over two replicas, balanced round robin: a member whose postmaster is stopped
/// (it accepts TCP in the kernel, never answers) must not hang the clients sent to it, and a
/// cancel must reach the member that runs the query whichever member its own connection would go to.
/// </summary>
public sealed class ServiceListenerMemberTests()
    : FreshPgTestClusterPerTest(new PgTestClusterOptions { Roles = [PgInstanceRole.Primary, PgInstanceRole.Replica, PgInstanceRole.Replica] })
{
    private const int Balanced = 15441;
    private const int Unchecked = 15442;
    private const int Lonely = 15443;
    private const string Once = "inter 1h fastinter 1h downinter 1h rise 1 fall 3";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // Agents, checks and ports, stopped by the test before its cluster goes.
    private sealed class Gateway(Pgway.Agent.AgentServer agents, HealthMonitor monitor, List<ServiceListener> listeners) : IAsyncDisposable
    {
        public HealthMonitor Monitor => monitor;

        public async ValueTask DisposeAsync()
        {
            foreach (var listener in listeners)
            {
                await listener.DisposeAsync();
            }
            await monitor.DisposeAsync();
            await agents.DisposeAsync();
        }
    }

    private IPAddress Entry => Cluster.Primary.Address;

    private async Task<Gateway> StartAsync()
    {
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml([
            new("pg_default_service_dest", "postgres"),
            new("pg_services",
                // Checked once, as the two below: the cancel test needs both members up throughout, and on a
                // loaded machine two slow checks in a row took them both down.
                $"[{{name: balanced, port: {Balanced}, selector: \"[? pg_role == `replica` ]\", check: /read-only, balance: roundrobin, options: \"{Once}\"}}, " +
                // Checked once: the members stay up whatever happens, so only the port's own bound can help.
                $"{{name: unchecked, port: {Unchecked}, selector: \"[? pg_role == `replica` ]\", check: /read-only, balance: roundrobin, options: \"{Once}\"}}, " +
                $"{{name: lonely, port: {Lonely}, selector: \"[? pg_seq == `2` ]\", check: /read-only, options: \"{Once}\"}}]"),
        ]), "members.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var services = inventory.Topology!.Clusters.Single().Services.Where(s => s.Port is Balanced or Unchecked or Lonely).ToList();
        var listeners = new List<ServiceListener>();
        var agents = await TestAgents.StartAsync(Cluster.Instances.Select(i => TestAgents.Options(Cluster, i)));
        var monitor = new HealthMonitor(services, HealthMonitorOptions.Default, new HealthProbeFactory(TimeProvider.System), TimeProvider.System, NullLogger<HealthMonitor>.Instance);
        var options = ServiceListenerOptions.Pigsty;
        foreach (var service in services)
        {
            var route = new ServiceRoute(service, m => monitor.Find(service.FullName, m.Name), options.QueueTimeout, TimeProvider.System);
            monitor.StateChanged += route.OnHealthChanged;
            listeners.Add(ServiceListener.Start(route, new IPEndPoint(Entry, service.Port), options, TimeProvider.System, NullLogger.Instance));
        }
        monitor.Start();
        await Eventually.HoldsAsync(() => monitor.Members.All(m => m.Snapshot.IsUp), Timeout,
            () => string.Join(", ", monitor.Members.Select(m => $"{m.Service.Name}/{m.Member.Instance.Name}: {m.Snapshot.IsUp}")));
        return new Gateway(agents, monitor, listeners);
    }

    [Fact]
    public async Task Connect_MemberPostmasterStopped_ClientsGoToTheOtherMemberOrAreRefusedClearly()
    {
        await using var gateway = await StartAsync();
        var (frozen, alive) = (Cluster.Instance(2), Cluster.Instance(3));
        // A session opened before keeps working: only the postmaster stops, not its backends.
        await using var before = await OpenAsync(Unchecked);
        var beforeAddress = await WhereAsync(before);
        var postmaster = frozen.Pid ?? throw new InvalidOperationException($"{frozen} has no PID");
        NativeSignal.Stop(postmaster);
        try
        {
            // Round robin sends every other client to the frozen member: each must still get in,
            // on the other one, well before its own 20 s timeout.
            for (var i = 0; i < 4; i++)
            {
                await using var connection = await OpenAsync(Unchecked);
                Assert.Equal(alive.Address, await WhereAsync(connection));
            }
            // With nobody else to go to: a clear error, not a hang.
            var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(Lonely));
            Assert.Equal("08006", refused.SqlState);
            Assert.Contains("no member answered the start-up packet within 3s", refused.MessageText, StringComparison.Ordinal);
            await using var still = new NpgsqlCommand("SELECT 1", before);
            Assert.Equal(1, await still.ExecuteScalarAsync());
        }
        finally
        {
            NativeSignal.Continue(postmaster);
        }
        Assert.NotNull(beforeAddress);
        await using var back = await OpenAsync(Lonely);
        Assert.Equal(frozen.Address, await WhereAsync(back));
    }

    [Fact]
    public async Task Cancel_ThroughBalancedService_ReachesTheMemberRunningTheQuery()
    {
        await using var gateway = await StartAsync();
        var landed = new HashSet<IPAddress>();
        for (var i = 0; i < 10; i++)
        {
            await using var connection = await OpenAsync(Balanced);
            var where = await WhereAsync(connection);
            landed.Add(where);
            await using var command = new NpgsqlCommand("SELECT pg_sleep(60)", connection);
            var running = command.ExecuteNonQueryAsync();
            await Eventually.HoldsAsync(() => IsSleepingAsync(where), Timeout);

            // Npgsql sends the CancelRequest on a new connection to the same host and port: the service's.
            command.Cancel();

            // Npgsql reports the server's 57014 as a cancellation; a lost cancel times out instead.
            var cancelled = await Assert.ThrowsAsync<OperationCanceledException>(() => running.WaitAsync(Timeout));
            Assert.Equal("57014", Assert.IsType<PostgresException>(cancelled.InnerException).SqlState);
        }
        // Both replicas ran queries: each was cancelled whichever member the cancel's connection would have gone to.
        Assert.Equal(2, landed.Count);
    }

    private async Task<bool> IsSleepingAsync(IPAddress address)
    {
        var instance = Cluster.Instances.Single(i => i.Address.Equals(address));
        await using var connection = new NpgsqlConnection(Cluster.ConnectionStringBuilder(instance, PgTestUsers.Dba).ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(60)'", connection);
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    private async Task<NpgsqlConnection> OpenAsync(int port)
    {
        var builder = Cluster.ConnectionStringBuilder(Cluster.Primary, PgTestUsers.Dba);
        builder.Host = Entry.ToString();
        builder.Port = port;
        builder.Timeout = 20;
        builder.Pooling = false;
        // Waits for the server's answer to a cancel however long: the test's own bound decides.
        builder.CancellationTimeout = 0;
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task<IPAddress> WhereAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT inet_server_addr()", connection);
        return (IPAddress)(await command.ExecuteScalarAsync())!;
    }
}
