using System.Globalization;
using System.Text;

namespace Pgway.Testing;

// Describing the cluster as a Pigsty inventory, so tests can run pgway against it.
public sealed partial class PgTestCluster
{
    /// <summary>
    /// Renders a Pigsty-style inventory of this cluster: one host per instance (address, pg_seq, pg_role)
    /// and <c>pg_cluster</c>. Each of <paramref name="extraVars"/> is added under <c>vars</c> with its value
    /// written verbatim, so it may be any YAML scalar or flow collection (<c>"[a, b]"</c>, <c>"{x: 1}"</c>).
    /// </summary>
    public string ToInventoryYaml(IEnumerable<KeyValuePair<string, string>>? extraVars = null)
    {
        var yaml = new StringBuilder()
            .Append("all:\n")
            .Append("  children:\n")
            .Append(CultureInfo.InvariantCulture, $"    {Name}:\n")
            .Append("      hosts:\n");
        foreach (var instance in _instances)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"        {instance.Address}: {{ pg_seq: {instance.Seq}, pg_role: {RoleName(instance.Role)} }}\n");
        }

        yaml.Append("      vars:\n")
            .Append(CultureInfo.InvariantCulture, $"        pg_cluster: {Name}\n");
        foreach (var (key, value) in extraVars ?? [])
        {
            yaml.Append(CultureInfo.InvariantCulture, $"        {key}: {value}\n");
        }

        return yaml.ToString();
    }

    private static string RoleName(PgInstanceRole role) => role switch
    {
        PgInstanceRole.Primary => "primary",
        PgInstanceRole.Replica => "replica",
        PgInstanceRole.Offline => "offline",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };
}
