namespace Pgway.IntegrationTests.Network;

/// <summary>The tests on the one shared multi-host lab; never in parallel with other collections (they all use the CPU heavily).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetworkLab : ICollectionFixture<NetworkLabFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "network lab";
}
