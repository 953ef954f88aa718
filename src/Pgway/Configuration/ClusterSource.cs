using System.Collections.Immutable;
using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>A cluster as found in the inventory: its group-level variables and its hosts in order.</summary>
internal sealed record ClusterSource(string Name, VariableSet Variables, ImmutableArray<HostSource> Hosts, SourceLocation Location)
{
    /// <summary>The group named by <c>pg_service_provider</c>, when the cluster names one.</summary>
    public ProviderSource? Provider { get; init; }
}
