using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>Pigsty's path in one process: the primary service (dest pgbouncer) → the node's pooler → PostgreSQL.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ServeWithPoolerTests(PgTestClusterFixture fixture)
{
    private PgTestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Serve_PrimaryServiceToPooler_ClientsShareServerConnections()
    {
        var primary = Cluster.Primary;
        var password = Cluster.Credentials.PasswordFor(PgTestUsers.Meta);
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{password}', pgbouncer: true}}]"),
            new("pgbouncer_default_pool_size", "2"),
            new("pg_default_services", $"[{{name: primary, port: 5433, ip: '{primary.Address}', dest: pgbouncer, selector: '[]', check: /primary, " +
                "check_method: postgres, options: 'inter 1s fastinter 500ms rise 1 fall 3'}]"),
        ]), "serve-pooler.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        // SQL checks, no agents: the agent tests of this collection own port 8008 on these addresses.
        var options = new GatewayOptions([.. Cluster.Instances.Select(i => i.Address.ToString())], RunAgents: false,
            HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty);
        await using var host = await GatewayHost.StartAsync(inventory.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        Assert.Equal(Cluster.Instances.Count, host.Poolers.Count);
        // The first checks done, and the primary (alone) up.
        await Eventually.HoldsAsync(() => host.Snapshot().Single().Members.All(m => m.Health?.LastResult is not null && m.IsUp == (m.Address == primary.Address.ToString())),
            TimeSpan.FromSeconds(30), () => string.Join("; ", host.Snapshot().Single().Members.Select(m => $"{m.Name} {m.Status} {m.Health?.LastResult?.Reason}")));

        var clients = Enumerable.Range(0, 10).Select(async _ =>
        {
            var builder = Cluster.ConnectionStringBuilder(primary, PgTestUsers.Meta, PgTestUsers.TestDatabase);
            builder.Port = 5433;
            builder.Pooling = false;
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT inet_server_port() || '/' || pg_is_in_recovery()", connection);
            return (string?)await command.ExecuteScalarAsync();
        });
        var answers = await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(answers, a => Assert.Equal($"{PgTestCluster.Port}/false", a));
        var pooler = host.Poolers.Single(p => p.LocalEndPoint.Address.Equals(primary.Address));
        Assert.InRange(pooler.ServerCounts(PgTestUsers.TestDatabase, PgTestUsers.Meta).Total, 1, 2);
        // At least one session per client (Npgsql now and then opens more than one: seen, not explained yet).
        Assert.InRange(host.Snapshot().Single().TotalSessions, 10, 40);
    }
}
