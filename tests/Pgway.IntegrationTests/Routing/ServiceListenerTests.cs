using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.IntegrationTests.Agent;
using Pgway.IntegrationTests.Testing;
using Pgway.Model;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Routing;

/// <summary>Service ports routing by the health monitor's decisions to the real cluster's instances.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ServiceListenerTests(PgTestClusterFixture fixture) : IAsyncLifetime, IAsyncDisposable
{
    private static readonly ServiceListenerOptions Options = ServiceListenerOptions.Pigsty with { QueueTimeout = TimeSpan.FromMilliseconds(500) };

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly List<ServiceListener> listeners = [];
    private Pgway.Agent.AgentServer? agents;
    private HealthMonitor? monitor;

    private PgTestCluster Cluster => fixture.Cluster;

    private IPAddress Entry => Cluster.Primary.Address;

    public async Task InitializeAsync()
    {
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml([
            new("pg_default_service_dest", "postgres"),
            new("pg_services", "[{name: tiny, port: 15439, selector: \"[? pg_role == `primary` ]\", check: /primary, options: \"maxconn 1 maxqueue 1\"}, " +
                "{name: fresh, port: 15440, selector: \"[? pg_role == `replica` ]\", check: \"/replica?lag=0\", " +
                "options: \"inter 200ms fastinter 100ms downinter 200ms rise 1 fall 1 on-marked-down shutdown-sessions\"}]"),
        ]), "routing.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var services = inventory.Topology!.Clusters.Single().Services;
        agents = await TestAgents.StartAsync(Cluster.Instances.Select(i => TestAgents.Options(Cluster, i)));
        monitor = new HealthMonitor(services, HealthMonitorOptions.Default, new HealthProbeFactory(TimeProvider.System), TimeProvider.System, NullLogger<HealthMonitor>.Instance);
        foreach (var service in services)
        {
            var route = new ServiceRoute(service, m => monitor.Find(service.FullName, m.Name), Options.QueueTimeout, TimeProvider.System);
            monitor.StateChanged += route.OnHealthChanged;
            listeners.Add(ServiceListener.Start(route, new IPEndPoint(Entry, service.Port), Options, TimeProvider.System, NullLogger.Instance));
        }
        monitor.Start();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!monitor.Members.All(m => m.Snapshot.LastResult is not null))
        {
            Assert.True(DateTime.UtcNow < deadline, "the first checks did not finish within 30 s");
            await Task.Delay(20);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var listener in listeners)
        {
            await listener.DisposeAsync();
        }
        listeners.Clear();
        if (monitor is not null)
        {
            await monitor.DisposeAsync();
            monitor = null;
        }
        if (agents is not null)
        {
            await agents.DisposeAsync();
            agents = null;
        }
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    [Theory]
    [InlineData(5433, 1, false)]   // primary
    [InlineData(5436, 1, false)]   // default: postgres on the primary
    [InlineData(5434, 2, true)]    // replica: its one active member (primary and offline are backups)
    [InlineData(5438, 3, true)]    // offline
    public async Task Connect_DefaultService_ReachesTheInstanceItsCheckSelects(int port, int seq, bool inRecovery)
    {
        for (var i = 0; i < 5; i++)
        {
            var (address, recovery) = await WhereAsync(port);

            Assert.Equal(Cluster.Instance(seq).Address, address);
            Assert.Equal(inRecovery, recovery);
        }
    }

    [Fact]
    public async Task Connect_ServiceFull_QueueThenPostgresErrorNamingTheLimit()
    {
        var tiny = listeners.Single(l => l.Route.Service.Name == "tiny").Route;
        await using var holder = await OpenAsync(15439);
        var queued = OpenAsync(15439);
        await Eventually.HoldsAsync(() => tiny.QueueLength == 1, Timeout);

        var full = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(15439));
        var timedOut = await Assert.ThrowsAsync<PostgresException>(() => queued);

        Assert.Equal("53300", full.SqlState);
        Assert.Contains("pgway: service pg-test-tiny is full", full.MessageText, StringComparison.Ordinal);
        Assert.Contains("maxqueue 1", full.MessageText, StringComparison.Ordinal);
        Assert.Equal("53300", timedOut.SqlState);
        Assert.Contains("within timeout queue", timedOut.MessageText, StringComparison.Ordinal);
        // The holder is still served.
        await using var command = new NpgsqlCommand("SELECT 1", holder);
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Connect_BadClients_SlotsReleasedAndOthersServed()
    {
        var primary = listeners.Single(l => l.Route.Service.Name == "primary").Route.Members.Single(m => m.Member.Instance.Seq == 1);
        var before = primary.Sessions;
        // Garbage bytes: PostgreSQL rejects them; a silent client that leaves; one that vanishes mid-stream.
        using (var garbage = await RawAsync(5433))
        {
            await garbage.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
            var buffer = new byte[512];
            while (await garbage.ReceiveAsync(buffer) > 0)
            {
            }
        }
        using (var silent = await RawAsync(5433))
        {
        }
        using (var vanishing = await RawAsync(5433))
        {
            await vanishing.SendAsync(new byte[] { 0, 0, 0, 80, 0, 3, 0, 0 });
            vanishing.LingerState = new LingerOption(true, 0);
        }

        await Eventually.HoldsAsync(() => primary.Sessions == before, Timeout);
        Assert.Equal((Cluster.Primary.Address, false), await WhereAsync(5433));
        // The silent client never reached a member (none is chosen before a client speaks); the others did.
        Assert.True(primary.TotalSessions >= 2);
    }

    [Fact]
    public async Task Session_MemberMarkedDown_ShutdownSessionsClosesIt()
    {
        var replica = Cluster.Instance(2);
        await using var session = await OpenAsync(15440);
        await using (var before = new NpgsqlCommand("SELECT inet_server_addr()", session))
        {
            Assert.Equal(replica.Address, await before.ExecuteScalarAsync());
        }
        var table = $"routing_lag_{Guid.NewGuid():N}";
        await Cluster.PauseReplayAsync(replica);
        try
        {
            // The replica falls behind and fails /replica?lag=0: marked down, its sessions end.
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"CREATE TABLE {table} AS SELECT 1 AS id");
            await Eventually.HoldsAsync(() => !monitor!.Find("pg-test-fresh", replica.Name)!.Snapshot.IsUp, Timeout);

            await using var after = new NpgsqlCommand("SELECT 1", session);
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => after.ExecuteScalarAsync());
            // With its only member down, the service refuses new clients with a reason.
            var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(15440));
            Assert.Equal("08006", refused.SqlState);
            Assert.Contains("pg-test-fresh has no member up", refused.MessageText, StringComparison.Ordinal);
        }
        finally
        {
            await Cluster.ResumeReplayAsync(replica);
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"DROP TABLE IF EXISTS {table}");
        }
        await Eventually.HoldsAsync(() => monitor!.Find("pg-test-fresh", replica.Name)!.Snapshot.IsUp, Timeout);
        Assert.Equal((replica.Address, true), await WhereAsync(15440));
    }

    private async Task<NpgsqlConnection> OpenAsync(int port)
    {
        var builder = Cluster.ConnectionStringBuilder(Cluster.Primary, PgTestUsers.Dba);
        builder.Host = Entry.ToString();
        builder.Port = port;
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

    private async Task<(IPAddress Address, bool InRecovery)> WhereAsync(int port)
    {
        await using var connection = await OpenAsync(port);
        await using var command = new NpgsqlCommand("SELECT inet_server_addr(), pg_is_in_recovery()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetFieldValue<IPAddress>(0), reader.GetBoolean(1));
    }

    private async Task<Socket> RawAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(Entry, port));
        return socket;
    }
}
