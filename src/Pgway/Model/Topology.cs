using System.Collections.Immutable;

namespace Pgway.Model;

/// <summary>
/// Everything pgway knows from one inventory: clusters, their instances and services.
/// Immutable, so a reload swaps one snapshot for another.
/// </summary>
internal sealed record Topology(string SourceFile, ImmutableArray<Cluster> Clusters)
{
    public Cluster? FindCluster(string name) => Clusters.FirstOrDefault(c => c.Name == name);

    /// <summary>Clusters with an instance on this address: what a pgway node on it serves.</summary>
    public IEnumerable<Cluster> ClustersOnNode(string address) =>
        Clusters.Where(c => c.Instances.Any(i => i.Address == address));

    /// <summary>Clusters whose services a pgway node on this address runs (see <see cref="Cluster.ServesOn"/>).</summary>
    public IEnumerable<Cluster> ClustersServedOn(string address) =>
        Clusters.Where(c => c.ServesOn(address));

    /// <summary>The provider node at this address, when some cluster's <c>pg_service_provider</c> group lists it.</summary>
    public ServiceNode? FindServiceNode(string address) =>
        Clusters.SelectMany(c => c.ProviderNodes).FirstOrDefault(n => n.Address == address);
}
