using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

/// <summary>
/// Base for test classes whose tests stop, kill or promote instances: xunit creates the class once per
/// test, so every test gets its own fresh cluster and none can disturb another. Such clusters cost a few
/// seconds each, so keep these tests few and put each group in its own class: xunit runs classes in
/// parallel but the tests of one class one after another.
/// </summary>
public abstract class FreshPgTestClusterPerTest : IAsyncLifetime
{
    private readonly PgTestClusterOptions _options;
    private PgTestCluster? _cluster;

    /// <summary>Builds a cluster with <paramref name="options"/> before each test.</summary>
    private protected FreshPgTestClusterPerTest(PgTestClusterOptions options)
    {
        _options = options;
    }

    /// <summary>This test's own cluster.</summary>
    private protected PgTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not started yet.");

    /// <inheritdoc/>
    public async Task InitializeAsync() => _cluster = await PgTestCluster.CreateAsync(_options);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
