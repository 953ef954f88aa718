using System.Collections.Frozen;

namespace Pgway.Configuration;

/// <summary>
/// Inventory variables pgway reads, and every other name Pigsty knows (<see cref="PigstyVariables"/>),
/// so that a misspelt variable gets a warning while Pigsty's hundreds of others pass quietly.
/// </summary>
internal static class KnownVariables
{
    /// <summary>What pgway itself reads.</summary>
    public static readonly FrozenSet<string> Read = FrozenSet.Create(StringComparer.Ordinal,
        "pg_cluster", "pg_seq", "pg_role", "pg_offline_query", "pg_weight", "pg_port", "pgbouncer_port",
        "patroni_port", "pg_exporter_port", "haproxy_exporter_port", "pg_services", "pg_services_extra",
        "pg_default_services", "pg_default_service_dest", "vip_address", "vip_mode", "pg_vip_address",
        "pg_vip_enabled", "pg_vip_interface", "vip_cidrmask", "vip_interface", "pgway_vip_dcs_grace", "pg_users", "pg_databases", "pg_admin_username", "pg_upstream", "pg_delay",
        "pgbouncer_poolmode", "pgbouncer_auth_query", "pgbouncer_sslmode", "pgbouncer_enabled",
        "patroni_enabled", "pg_dcs", "pg_namespace", "pg_tags", "pg_monitor_username", "pg_monitor_password",
        "haproxy_auth_enabled", "haproxy_admin_username", "haproxy_admin_password", "pg_instances",
        "pgway_max_client_prepared_statements", "pgway_max_client_prepared_bytes", "pgway_max_autodb_pools",
        "pg_rto", "pg_rto_plan", "patroni_ssl_enabled", "pgway_patroni_ca_file", "pg_service_provider", "version",
        "pgb_hba_rules", "pgb_default_hba_rules", "pgbouncer_hba_rules", "pgbouncer_hba_rules_extra", "pg_dns_suffix", "pg_dns_target");

    /// <summary>Names a misspelling is compared with: pgway's and Pigsty's role defaults (not sandbox extras like <c>cpu</c>).</summary>
    private static readonly FrozenSet<string> Candidates = [.. Read.Concat(PigstyVariables.RoleDefaults)];

    /// <summary>True for a name pgway reads or Pigsty defines.</summary>
    public static bool IsKnown(string name) =>
        Read.Contains(name) || PigstyVariables.RoleDefaults.Contains(name) || PigstyVariables.InventoryOnly.Contains(name);

    /// <summary>
    /// The real name an unknown one is a near miss of, or null: other names (users' own variables,
    /// PgBouncer pass-through settings such as <c>pgbouncer_max_client_conn</c>) pass without a word.
    /// </summary>
    /// <remarks><c>pgbouncer_*</c> names are left to <see cref="PoolerSettingsReader"/>, which knows PgBouncer's settings.</remarks>
    public static string? NearMiss(string name) =>
        IsKnown(name) || name.StartsWith(PoolerPrefix, StringComparison.Ordinal) ? null : Suggestions.Closest(name, Candidates);

    private const string PoolerPrefix = "pgbouncer_";
}
