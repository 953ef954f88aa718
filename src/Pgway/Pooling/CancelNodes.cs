using System.Collections.Immutable;
using System.Net;
using Pgway.Model;

namespace Pgway.Pooling;

/// <summary>
/// The numbering of an inventory's nodes that cancel keys carry: each node's position among the
/// inventory's node addresses (every instance's and every service provider's) sorted ordinally, so
/// every pgway reading the same inventory numbers the nodes alike, with no coordination.
/// </summary>
/// <param name="Local">The number this process's keys carry: the lowest of the nodes it hosts.</param>
/// <param name="LocalNodes">Every number this process hosts: a key naming one of them is looked up here, never forwarded.</param>
/// <param name="Addresses">Every node's address by number; empty without numbering.</param>
internal sealed record CancelNodes(int Local, ImmutableHashSet<int> LocalNodes, ImmutableArray<IPAddress?> Addresses)
{
    /// <summary>A pooler on its own, or an inventory of one node: node 0, nowhere to forward.</summary>
    public static CancelNodes Standalone { get; } = new(0, [0], []);

    /// <summary>
    /// The numbering of <paramref name="topology"/> for a process hosting <paramref name="hosted"/>: <see cref="Standalone"/>
    /// when the inventory has more nodes than keys can number (every node then issues and finds its own keys only).
    /// </summary>
    public static CancelNodes For(Topology topology, IReadOnlyList<string> hosted)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(hosted);
        var addresses = topology.Clusters.SelectMany(c => c.Instances.Select(i => i.Address).Concat(c.ProviderNodes.Select(n => n.Address)))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (addresses.Count > CancelKey.MaxNodes)
        {
            return Standalone;
        }
        var local = hosted.Select(h => addresses.IndexOf(h)).Where(n => n >= 0).ToImmutableHashSet();
        if (local.IsEmpty)
        {
            return Standalone;
        }
        // A host name is not looked up when a cancel arrives: a node known by name alone is not forwarded to.
        var byNumber = addresses.Select(a => IPAddress.TryParse(a, out var ip) ? ip : null).ToImmutableArray();
        return new CancelNodes(local.Min(), local, byNumber);
    }

    /// <summary>Where a key naming node <paramref name="node"/> is forwarded: null for this process's own nodes, unknown numbers and nodes without an IP.</summary>
    public IPAddress? PeerOf(int node) => LocalNodes.Contains(node) || node >= Addresses.Length ? null : Addresses[node];
}
