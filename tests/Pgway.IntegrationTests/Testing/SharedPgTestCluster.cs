namespace Pgway.IntegrationTests.Testing;

/// <summary>The xunit collection whose test classes share one <see cref="PgTestClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SharedPgTestCluster : ICollectionFixture<PgTestClusterFixture>
{
    /// <summary>The name to put in <c>[Collection(...)]</c>.</summary>
    public const string Name = "pg-test cluster";
}
