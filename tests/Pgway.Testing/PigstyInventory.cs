using System.Globalization;
using System.Net;
using System.Text;

namespace Pgway.Testing;

/// <summary>Renders a test cluster as a Pigsty inventory, so tests can run pgway against it.</summary>
internal static class PigstyInventory
{
    /// <summary>
    /// One host per member (address, pg_seq, pg_role), then <c>pg_cluster</c> and <paramref name="vars"/> under
    /// <c>vars</c>, each value written verbatim, so it may be any YAML scalar or flow collection.
    /// </summary>
    public static string Render(
        string cluster,
        IEnumerable<(IPAddress Address, int Seq, PgInstanceRole Role)> hosts,
        IEnumerable<KeyValuePair<string, string>> vars)
    {
        var yaml = new StringBuilder()
            .Append("all:\n")
            .Append("  children:\n")
            .Append(CultureInfo.InvariantCulture, $"    {cluster}:\n")
            .Append("      hosts:\n");
        foreach (var (address, seq, role) in hosts)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"        {address}: {{ pg_seq: {seq}, pg_role: {RoleName(role)} }}\n");
        }

        yaml.Append("      vars:\n")
            .Append(CultureInfo.InvariantCulture, $"        pg_cluster: {cluster}\n");
        foreach (var (key, value) in vars)
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
