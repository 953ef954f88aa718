using System.Collections.Immutable;

namespace Pgway.Model;

/// <summary>A PostgreSQL cluster: its instances in inventory order and its services.</summary>
/// <param name="Vip">The L2 VIP, when the cluster has one enabled.</param>
/// <param name="Users">Business users from <c>pg_users</c>, in order.</param>
/// <param name="Databases">Databases from <c>pg_databases</c>, in order.</param>
internal sealed record Cluster(
    string Name,
    ClusterVip? Vip,
    ImmutableArray<Instance> Instances,
    ImmutableArray<Service> Services,
    ImmutableArray<string> Users,
    ImmutableArray<string> Databases,
    string AdminUser,
    SourceLocation Location)
{
    public Instance? Primary => Instances.FirstOrDefault(i => i.Role == InstanceRole.Primary);

    /// <summary>The pooler each node of the cluster runs (Pigsty's pgbouncer.ini).</summary>
    public required PoolerSettings Pooler { get; init; }

    /// <summary>Patroni's DCS (<c>pg_dcs</c>), watched for leader changes; null when the inventory names none.</summary>
    public DcsConfig? Dcs { get; init; }

    /// <summary>
    /// Pigsty's <c>pg_service_provider</c>: the inventory group whose nodes serve this cluster's services; null when the
    /// cluster's own nodes do (no provider, or one that names no group, as Pigsty falls back).
    /// </summary>
    public string? ServiceProvider { get; init; }

    /// <summary>The names pgway's DNS server gives the cluster (<c>pg_dns_suffix</c>, <c>pg_dns_target</c>).</summary>
    public ClusterDns Dns { get; init; } = ClusterDns.Default;

    /// <summary>The provider group's nodes, in inventory order (empty without a provider).</summary>
    public ImmutableArray<ServiceNode> ProviderNodes { get; init; } = [];

    /// <summary>Whether a pgway on <paramref name="address"/> runs this cluster's services: a provider node, or else a node of an instance.</summary>
    public bool ServesOn(string address) => ServiceProvider is null
        ? Instances.Any(i => i.Address == address)
        : ProviderNodes.Any(n => n.Address == address);

    /// <summary>The addresses that run this cluster's services.</summary>
    public IEnumerable<string> ServiceAddresses => ServiceProvider is null
        ? Instances.Select(i => i.Address)
        : ProviderNodes.Select(n => n.Address);
}
