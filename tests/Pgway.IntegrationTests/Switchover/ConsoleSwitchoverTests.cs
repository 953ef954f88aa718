using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Pooling;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Switchover;

/// <summary>The console's SWITCHOVER, UNFENCE and SHOW SWITCHOVER under serve: what they refuse, on the shared cluster (nothing is switched).</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ConsoleSwitchoverTests(PgTestClusterFixture fixture)
{
    private PgTestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Console_SwitchoverUnknownOrBadTarget_RefusedWithTheReasonShowSwitchoverEmpty()
    {
        var primary = Cluster.Primary;
        var password = Cluster.Credentials.PasswordFor(PgTestUsers.Dba);
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml([
            new("pg_users", $"[{{name: {PgTestUsers.Dba}, password: '{password}', pgbouncer: true}}]"),
            // UNFENCE reads the instance's own fence as the admin user.
            new("pg_admin_password", $"'{password}'"),
            new("pgbouncer_auth_type", "plain"),
            new("pgbouncer_admin_users", PgTestUsers.Dba),
            new("pg_default_services", "[]"),
        ]), "console-switchover.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var options = new GatewayOptions([primary.Address.ToString()], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty) { RunAdmin = false };
        await using var host = await GatewayHost.StartAsync(inventory.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        using var console = await AdminConsoleClient.ConnectAsync(host.Poolers.Single().LocalEndPoint, PgTestUsers.Dba, password);

        var unknown = await console.QueryAsync("SWITCHOVER pg-nope");
        var badTarget = await console.QueryAsync($"SWITCHOVER {Cluster.Name} TO {Cluster.Name}-9");
        var unfence = await console.QueryAsync($"UNFENCE {primary.Name}");
        var state = await console.QueryAsync("SHOW SWITCHOVER");

        Assert.Equal($"SWITCHOVER failed: unknown cluster 'pg-nope': this pgway hosts {Cluster.Name}", unknown.ErrorMessage);
        Assert.StartsWith($"SWITCHOVER failed: '{Cluster.Name}-9' is not a member of cluster {Cluster.Name}", badTarget.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal($"UNFENCE failed: {primary.Name} is not fenced", unfence.ErrorMessage);
        Assert.Null(state.ErrorMessage);
        Assert.Equal(["kind", "name", "detail"], state.Columns.Select(c => c.Name));
        Assert.Empty(state.Rows);
    }
}
