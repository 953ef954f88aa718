using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>What every pooler test class shares: the cluster of its collection, and the pooler a test started, stopped after it.</summary>
public abstract class PoolerTestClass(PgTestClusterFixture fixture) : IAsyncLifetime
{
    private protected PgTestCluster Cluster => fixture.Cluster;

    /// <summary>The pooler the test started, if any.</summary>
    private protected Pooler? Running { get; set; }

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        if (Running is not null)
        {
            await Running.DisposeAsync();
        }
    }
}
