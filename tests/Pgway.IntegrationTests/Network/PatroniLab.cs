namespace Pgway.IntegrationTests.Network;

/// <summary>
/// The tests on the one shared Patroni lab (<see cref="PatroniLabFixture"/>); never in parallel with other
/// collections. Each test leaves the cluster healthy (every host up, every replica streaming), whoever leads.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PatroniLab : ICollectionFixture<PatroniLabFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "patroni lab";
}
