namespace Pgway.Model;

/// <summary>
/// A node of a cluster's <c>pg_service_provider</c> group: it serves the cluster's services (Pigsty renders them
/// into that node's haproxy) without running an instance of it.
/// </summary>
/// <param name="Address">The host key in the inventory, as for an instance.</param>
/// <param name="AdminPort">The node's <c>haproxy_exporter_port</c>: its stats page and metrics.</param>
/// <param name="NodeName">Pigsty's <c>nodename</c>, when the inventory sets one.</param>
internal sealed record ServiceNode(string Address, int AdminPort, string? NodeName)
{
    /// <summary>What the node's admin endpoint asks for on <c>/metrics</c>, as for an instance.</summary>
    public AdminCredentials? AdminAuth { get; init; }
}
