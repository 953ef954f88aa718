using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

/// <summary>
/// One real 2-node Patroni cluster in synchronous mode (pg-test-1 leader tagged <c>zone: a</c>, pg-test-2
/// synchronous standby tagged <c>zone: b</c>) shared by the tests of a class that takes it as an <c>IClassFixture</c>.
/// </summary>
/// <remarks>
/// Its tests see the same servers, so a test must leave the cluster as it found it: create uniquely named
/// objects and never kill, stop or switch over. Tests that do such things build their own cluster
/// (see <see cref="FreshPatroniTestClusterPerTest"/>).
/// </remarks>
public sealed class PatroniTestClusterFixture : IAsyncLifetime
{
    private PatroniTestCluster? _cluster;

    /// <summary>The options the shared cluster is built with.</summary>
    internal static PatroniTestClusterOptions Options { get; } = new()
    {
        SynchronousMode = true,
        Nodes =
        [
            new() { Tags = new Dictionary<string, object> { ["zone"] = "a" } },
            new() { Tags = new Dictionary<string, object> { ["zone"] = "b" } },
        ],
    };

    /// <summary>The running cluster.</summary>
    internal PatroniTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The shared Patroni cluster is not started yet.");

    /// <inheritdoc/>
    public async Task InitializeAsync() => _cluster = await PatroniTestCluster.CreateAsync(Options);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
