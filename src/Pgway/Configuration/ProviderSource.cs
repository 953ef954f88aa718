using System.Collections.Immutable;

namespace Pgway.Configuration;

/// <summary>
/// A cluster's <c>pg_service_provider</c> as found in the inventory: the group it names and that group's
/// hosts, or null hosts when no group has that name (Pigsty then serves the services on the cluster's own nodes).
/// </summary>
internal sealed record ProviderSource(Variable Variable, string Group, ImmutableArray<HostSource>? Hosts);
