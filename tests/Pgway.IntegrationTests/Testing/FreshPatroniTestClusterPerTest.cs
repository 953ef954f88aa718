using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

/// <summary>
/// Base for test classes whose tests kill nodes or switch the leader over: xunit creates the class once per
/// test, so every test gets its own Patroni cluster. Such a cluster takes several seconds to form, so keep
/// these tests few, one per class where they may run side by side (xunit runs classes in parallel).
/// </summary>
public abstract class FreshPatroniTestClusterPerTest : IAsyncLifetime
{
    private readonly PatroniTestClusterOptions? _options;
    private PatroniTestCluster? _cluster;

    /// <summary>Builds a cluster with <paramref name="options"/> (null: the defaults) before each test.</summary>
    private protected FreshPatroniTestClusterPerTest(PatroniTestClusterOptions? options = null)
    {
        _options = options;
    }

    /// <summary>This test's own cluster.</summary>
    private protected PatroniTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not started yet.");

    /// <inheritdoc/>
    public async Task InitializeAsync() => _cluster = await PatroniTestCluster.CreateAsync(_options);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
