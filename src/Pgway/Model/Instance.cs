using System.Collections.Immutable;
using Newtonsoft.Json.Linq;

namespace Pgway.Model;

/// <summary>One PostgreSQL instance of a cluster, as the inventory declares it.</summary>
/// <param name="Address">The host key in the inventory (<c>inventory_hostname</c>), usually an IP.</param>
/// <param name="Variables">Merged variables (host over cluster over global), the object selectors see.</param>
internal sealed record Instance(
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
    // Name is made when Cluster or Seq is set (a `with` too), not at every read: logs and metrics read it often.

    /// <summary>The cluster's name (<c>pg_cluster</c>).</summary>
    public string Cluster
    {
        get;
        init
        {
            field = value;
            Name = $"{value}-{Seq}";
        }
    } = Cluster;

    /// <summary>The instance number in its cluster (<c>pg_seq</c>).</summary>
    public int Seq
    {
        get;
        init
        {
            field = value;
            Name = $"{Cluster}-{value}";
        }
    } = Seq;

    /// <summary>Pigsty's instance name, <c>&lt;cluster&gt;-&lt;seq&gt;</c>.</summary>
    public string Name { get; private set; } = $"{Cluster}-{Seq}";

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

    /// <summary>Pigsty's <c>pgbouncer_enabled</c> (default true): the instance's node runs a pooler.</summary>
    public bool PoolerEnabled { get; init; } = true;

    /// <summary>Pigsty's <c>patroni_enabled</c> (default true); false: the cluster runs without Patroni.</summary>
    public bool PatroniEnabled { get; init; } = true;

    /// <summary>The log-ins the inventory gives for pgway's own connections (monitor, admin, Patroni's REST API, replication).</summary>
    public InstanceLogins Logins { get; init; } = InstanceLogins.None;

    /// <summary>The node's name (Pigsty's <c>nodename</c>); null: not set.</summary>
    public string? NodeName { get; init; }

    /// <summary>Pigsty's <c>pg_upstream</c>: the instance a standby cluster's primary replicates from; null: none.</summary>
    public string? Upstream { get; init; }

    /// <summary>Pigsty's <c>pg_tags</c>, the instance's Patroni tags; null: none.</summary>
    public JObject? Tags { get; init; }

    /// <summary>The names in <c>pg_databases</c>.</summary>
    public ImmutableArray<string> Databases { get; init; } = [];

    /// <summary>The entries of <c>pg_users</c>.</summary>
    public ImmutableArray<DatabaseUser> Users { get; init; } = [];

    /// <summary>The pgb_hba.conf Pigsty renders for this instance's pooler.</summary>
    public PoolerHbaFile PoolerHba { get; init; } = PoolerHbaFile.Empty;
}
