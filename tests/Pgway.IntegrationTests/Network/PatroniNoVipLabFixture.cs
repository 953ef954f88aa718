using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// The Patroni lab of <see cref="PatroniLabFixture"/> without a VIP: the cluster's own name (<c>pg_dns_target: auto</c>)
/// then names the current primary, the case where Pigsty's static dnsmasq record goes stale after a failover. Each
/// pgway answers DNS on port 53 of its host.
/// </summary>
public sealed class PatroniNoVipLabFixture : MultiHostLabFixture
{
    private protected override string Describe => "Patroni lab without a VIP";

    private protected override MultiHostClusterOptions Options(IReadOnlyList<string> serve) => new()
    {
        ServeCommand = [.. serve, "--dns-port", "53"],
        Patroni = true,
    };
}
