using System.Collections.Immutable;

namespace Pgway.Model;

/// <summary>
/// Where a cluster's Patroni keeps its state (the inventory's <c>pg_dcs</c>): etcd's client endpoints and
/// Patroni's namespace. Patroni's scope is the cluster name, so its leader key is
/// <c>&lt;namespace&gt;/&lt;cluster&gt;/leader</c>.
/// </summary>
/// <param name="Endpoints">etcd client URLs (<c>http://10.10.10.10:2379</c>), at least one.</param>
/// <param name="Namespace">Patroni's <c>namespace</c> with its leading slash and no trailing one (<c>/pg</c>, <c>/service</c>).</param>
internal sealed record DcsConfig(ImmutableArray<Uri> Endpoints, string Namespace)
{
    /// <summary>Pigsty's <c>pg_namespace</c> default (Patroni's own default is <c>/service</c>).</summary>
    public const string PigstyNamespace = "/pg";

    /// <summary>The key prefix of the cluster's Patroni state: <c>/pg/pg-test/</c>.</summary>
    public string ScopePrefix(string cluster) => $"{Namespace}/{cluster}/";
}
