namespace Pgway.Testing;

// Describing the cluster as a Pigsty inventory, so tests can run pgway against it.
internal sealed partial class PatroniTestCluster
{
    /// <summary>
    /// Renders a Pigsty-style inventory of this cluster: one host per node (address, pg_seq, and pg_role as at
    /// creation: seq 1 primary, the others replica), <c>pg_cluster</c>, Pigsty's <c>pg_namespace</c>, and
    /// <c>pg_dcs: { type: etcd, endpoints: [ "http://&lt;etcd&gt;:2379" ], namespace: &lt;namespace&gt; }</c>.
    /// Each of <paramref name="extraVars"/> is added under <c>vars</c> with its value written verbatim.
    /// </summary>
    public string ToInventoryYaml(IEnumerable<KeyValuePair<string, string>>? extraVars = null) =>
        PigstyInventory.Render(
            Name,
            _nodes.Select(node => (node.Address, node.Seq, node.Role)),
            [
                new("pg_namespace", Namespace),
                new("pg_dcs", $"{{ type: etcd, endpoints: [ \"http://{Etcd.ClientEndpoint}\" ], namespace: {Namespace} }}"),
                .. extraVars ?? [],
            ]);
}
