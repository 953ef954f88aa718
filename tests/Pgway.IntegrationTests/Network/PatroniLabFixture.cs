using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// Three database hosts with Patroni (scope pg-test, namespace /pg) over a 3-member etcd across them, pg-test-1
/// bootstrapped on 198.51.100.11, each host with its own <c>pgway serve --no-agent</c> following the leader key,
/// and the cluster's L2 VIP <see cref="Vip"/> in the inventory (<c>pg_vip_interface: auto</c>).
/// </summary>
public sealed class PatroniLabFixture : IAsyncLifetime
{
    /// <summary>The VIP, one of the addresses the test network keeps free (.2–.9).</summary>
    public static readonly System.Net.IPAddress Vip = System.Net.IPAddress.Parse("198.51.100.2");

    private MultiHostCluster? cluster;

    internal MultiHostCluster Cluster => cluster ?? throw new InvalidOperationException(
        $"The Patroni lab was not built: {NetworkAvailability.UnavailableReason ?? "see the fixture's failure"}.");

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        // Skipped tests still get their collection's fixture: build nothing where they all skip.
        if (!NetworkAvailability.Required && NetworkAvailability.UnavailableReason is not null)
        {
            return;
        }

        var dll = Path.Combine(AppContext.BaseDirectory, "pgway.dll");
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        cluster = await MultiHostCluster.CreateAsync(new MultiHostClusterOptions
        {
            ServeCommand = [dotnet, dll, "serve"],
            Patroni = true,
            InventoryVars =
            [
                new("pg_vip_enabled", "true"),
                new("pg_vip_address", $"{Vip}/{TestNetwork.PrefixLength}"),
                new("pg_vip_interface", "auto"),
            ],
        });
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }
}
