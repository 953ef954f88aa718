using Newtonsoft.Json.Linq;
using Pgway.Configuration;

namespace Pgway.Model;

/// <summary>One PostgreSQL instance of a cluster, as the inventory declares it.</summary>
/// <param name="Address">The host key in the inventory (<c>inventory_hostname</c>), usually an IP.</param>
/// <param name="Variables">Merged variables (host over cluster over global), the object selectors see.</param>
public sealed record Instance(
    string Cluster,
    int Seq,
    string Address,
    InstanceRole Role,
    bool OfflineQuery,
    int Weight,
    int PgPort,
    int PgbouncerPort,
    int PatroniPort,
    int PgExporterPort,
    int HaproxyExporterPort,
    JObject Variables,
    SourceLocation Location)
{
    /// <summary>Pigsty's instance name, <c>&lt;cluster&gt;-&lt;seq&gt;</c>.</summary>
    public string Name => $"{Cluster}-{Seq}";
}
