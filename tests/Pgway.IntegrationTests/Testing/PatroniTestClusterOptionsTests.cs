using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

public sealed class PatroniTestClusterOptionsTests
{
    /// <summary>Invalid options by the words their error must contain (the case name xUnit shows).</summary>
    private static readonly Dictionary<string, PatroniTestClusterOptions> InvalidOptions = new()
    {
        ["Cluster name"] = new() { ClusterName = "PG Test" },
        ["must start with '/'"] = new() { Namespace = "service" },
        ["1 to 20 nodes"] = new() { Nodes = [] },
        ["nofailover"] = new() { Nodes = [new() { Tags = new Dictionary<string, object> { ["nofailover"] = true } }, new()] },
        ["Tag 'weight' of node 2"] = new() { Nodes = [new(), new() { Tags = new Dictionary<string, object> { ["weight"] = 1.5 } }] },
        ["ttl >= loop_wait + 2 * retry_timeout"] = new() { Ttl = 10, LoopWait = 2, RetryTimeout = 5 },
    };

    public static TheoryData<string> Invalid => new(InvalidOptions.Keys);

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task CreateAsync_InvalidOptions_ThrowsBeforeStartingAnything(string expected)
    {
        var options = InvalidOptions[expected];

        var error = await Assert.ThrowsAsync<ArgumentException>(() => PatroniTestCluster.CreateAsync(options));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
