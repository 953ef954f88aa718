namespace Pgway.IntegrationTests.Network;

/// <summary>
/// The tests on the Patroni lab without a VIP (<see cref="PatroniNoVipLabFixture"/>); never in parallel with other
/// collections. Each test leaves the cluster healthy (every host up, every replica streaming), whoever leads.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PatroniNoVipLab : ICollectionFixture<PatroniNoVipLabFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "patroni lab without a VIP";
}
