namespace Pgway.Testing;

// Describing the cluster as a Pigsty inventory, so tests can run pgway against it.
internal sealed partial class PgTestCluster
{
    /// <summary>
    /// Renders a Pigsty-style inventory of this cluster: one host per instance (address, pg_seq, pg_role)
    /// and <c>pg_cluster</c>. Each of <paramref name="extraVars"/> is added under <c>vars</c> with its value
    /// written verbatim, so it may be any YAML scalar or flow collection (<c>"[a, b]"</c>, <c>"{x: 1}"</c>).
    /// </summary>
    public string ToInventoryYaml(IEnumerable<KeyValuePair<string, string>>? extraVars = null) =>
        PigstyInventory.Render(Name, _instances.Select(instance => (instance.Address, instance.Seq, instance.Role)), extraVars ?? []);
}
