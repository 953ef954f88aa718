using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

public sealed class PatroniTestClusterOptionsTests
{
    public static TheoryData<PatroniTestClusterOptions, string> Invalid => new()
    {
        { new() { ClusterName = "PG Test" }, "Cluster name" },
        { new() { Namespace = "service" }, "must start with '/'" },
        { new() { Nodes = [] }, "1 to 20 nodes" },
        { new() { Nodes = [new() { Tags = new Dictionary<string, object> { ["nofailover"] = true } }, new()] }, "nofailover" },
        { new() { Nodes = [new(), new() { Tags = new Dictionary<string, object> { ["weight"] = 1.5 } }] }, "Tag 'weight' of node 2" },
        { new() { Ttl = 10, LoopWait = 2, RetryTimeout = 5 }, "ttl >= loop_wait + 2 * retry_timeout" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task CreateAsync_InvalidOptions_ThrowsBeforeStartingAnything(PatroniTestClusterOptions options, string expected)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => PatroniTestCluster.CreateAsync(options));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
