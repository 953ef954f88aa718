using Pgway.Pooling;

namespace Pgway.Admin;

/// <summary>One pooler at scrape time: the instance it serves, its pools and its disconnects.</summary>
internal sealed record PoolerMetrics(
    string Instance,
    int Clients,
    IReadOnlyList<PoolSnapshot> Pools,
    IReadOnlyDictionary<DisconnectReason, long> Disconnects)
{
    public static PoolerMetrics Read(string instance, Pooler pooler) =>
        new(instance, pooler.Clients, pooler.Pools(), pooler.Disconnects());
}
