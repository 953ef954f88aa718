namespace Pgway.Testing;

/// <summary>How to configure one node of a <see cref="PatroniTestCluster"/>.</summary>
internal sealed record PatroniNodeOptions
{
    /// <summary>
    /// Patroni's <c>tags</c> for the node: its own (<c>nofailover</c>, <c>noloadbalance</c>, <c>nosync</c>,
    /// <c>clonefrom</c>) or any custom one, which the REST API matches with <c>?tag_&lt;key&gt;=&lt;value&gt;</c>.
    /// Values are <see cref="bool"/>, <see cref="int"/> or <see cref="string"/>, written to the config as such.
    /// </summary>
    public IReadOnlyDictionary<string, object> Tags { get; init; } = new Dictionary<string, object>();
}
