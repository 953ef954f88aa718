using Pgway.Pooling;

namespace Pgway.Admin;

/// <summary>One pooler at scrape time: the instance it serves, its pools and its disconnects.</summary>
internal sealed record PoolerMetrics(
    string Instance,
    int Clients,
    IReadOnlyList<PoolSnapshot> Pools,
    IReadOnlyDictionary<DisconnectReason, long> Disconnects)
{
    /// <summary>The pooler of a <c>dest: pool</c> service, read under the service's full name rather than an instance's.</summary>
    public bool IsService { get; init; }

    public static PoolerMetrics Read(string instance, Pooler pooler) =>
        new(instance, pooler.Clients, pooler.Pools(), pooler.Disconnects());
}
