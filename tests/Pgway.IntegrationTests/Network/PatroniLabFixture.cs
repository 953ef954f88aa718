using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// Three database hosts with Patroni (scope pg-test, namespace /pg) over a 3-member etcd across them, pg-test-1
/// bootstrapped on 198.51.100.11, each host with its own <c>pgway serve --no-agent</c> following the leader key,
/// and the cluster's L2 VIP <see cref="Vip"/> in the inventory (<c>pg_vip_interface: auto</c>); each pgway answers DNS on
/// port 53 of its host.
/// </summary>
public sealed class PatroniLabFixture : MultiHostLabFixture
{
    /// <summary>The VIP, one of the addresses the test network keeps free (.2–.9).</summary>
    public static readonly System.Net.IPAddress Vip = System.Net.IPAddress.Parse("198.51.100.2");

    private protected override string Describe => "Patroni lab";

    private protected override MultiHostClusterOptions Options(IReadOnlyList<string> serve) => new()
    {
        // DNS on port 53, so the client namespace can use a pgway node as its resolver (glibc takes no port).
        ServeCommand = [.. serve, "--dns-port", "53"],
        Patroni = true,
        InventoryVars =
        [
            new("pg_vip_enabled", "true"),
            new("pg_vip_address", $"{Vip}/{TestNetwork.PrefixLength}"),
            new("pg_vip_interface", "auto"),
        ],
    };
}
