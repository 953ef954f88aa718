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

    /// <summary>
    /// What the admin endpoint on <see cref="HaproxyExporterPort"/> asks for on <c>/metrics</c>; null = open
    /// (<c>haproxy_auth_enabled</c> false, or no <c>haproxy_admin_username</c>/<c>haproxy_admin_password</c> given).
    /// </summary>
    public AdminCredentials? AdminAuth { get; init; }

    /// <summary>
    /// Pigsty's <c>patroni_ssl_enabled</c>: Patroni's REST API speaks HTTPS with a certificate Pigsty's CA signed, and
    /// checks verify it against this file (<c>pgway_patroni_ca_file</c>, else where Pigsty puts the CA); null: plain HTTP.
    /// </summary>
    public string? PatroniCaFile { get; init; }

    /// <summary>The pgb_hba.conf Pigsty renders for this instance's pooler.</summary>
    public PoolerHbaFile PoolerHba { get; init; } = PoolerHbaFile.Empty;
}
