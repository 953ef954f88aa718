using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// A node's pooler as <c>pgway serve</c> runs it, with its console's RELOAD reading the inventory file again:
/// a gateway host of the primary's node with its pooler only (no agents, admin endpoint or services).
/// </summary>
internal static class ServedPooler
{
    /// <summary>The pooler's <c>pgbouncer_port</c>: the inventory must say it (with <see cref="Variables"/>).</summary>
    public const int Port = 16481;

    /// <summary>The pooler on <see cref="Port"/> and no services (Pigsty's default ones would take 5433-5436).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Variables =>
        [new("pgbouncer_port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("pg_default_services", "[]")];

    public static async Task<GatewayHost> StartAsync(PgTestCluster cluster, string inventoryFile)
    {
        var loaded = InventoryLoader.LoadFile(inventoryFile);
        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Errors));
        var options = new GatewayOptions([cluster.Primary.Address.ToString()], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty) { RunAdmin = false };
        return await GatewayHost.StartAsync(loaded.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
    }
}
