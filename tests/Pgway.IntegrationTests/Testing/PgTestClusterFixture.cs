using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

/// <summary>
/// One real pg-test cluster (pg-test-1 primary, pg-test-2 replica, pg-test-3 offline) shared by every
/// test class in <see cref="SharedPgTestCluster"/>; it starts before the first of them and is torn
/// down after the last. To use it, put <c>[Collection(SharedPgTestCluster.Name)]</c> on a test class
/// and take this fixture in its constructor.
/// </summary>
/// <remarks>
/// The collection's tests run one at a time, but they all see the same servers, so a test must leave the
/// cluster as it found it: create uniquely named objects, resume any replay it paused (in a finally), and
/// never stop, kill or promote an instance. Tests that do such things build their own
/// <see cref="PgTestCluster"/> (see <see cref="FreshPgTestClusterPerTest"/>).
/// </remarks>
public sealed class PgTestClusterFixture : IAsyncLifetime
{
    private PgTestCluster? _cluster;

    /// <summary>The running cluster.</summary>
    internal PgTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The shared cluster is not started yet.");

    /// <inheritdoc/>
    public async Task InitializeAsync() => _cluster = await PgTestCluster.CreateAsync();

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
