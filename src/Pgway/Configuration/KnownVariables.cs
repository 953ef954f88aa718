using System.Collections.Frozen;

namespace Pgway.Configuration;

/// <summary>
/// Inventory variables pgway reads, and other Pigsty variables it knows of, so that a
/// misspelt pgway variable gets a warning while Pigsty's hundreds of others pass quietly.
/// </summary>
internal static class KnownVariables
{
    /// <summary>What pgway itself reads; a near miss of one of these is likely a typo.</summary>
    public static readonly FrozenSet<string> Read = FrozenSet.Create(StringComparer.Ordinal,
        "pg_cluster", "pg_seq", "pg_role", "pg_offline_query", "pg_weight", "pg_port", "pgbouncer_port",
        "patroni_port", "pg_exporter_port", "haproxy_exporter_port", "pg_services", "pg_services_extra",
        "pg_default_services", "pg_default_service_dest", "vip_address", "vip_mode", "pg_vip_address",
        "pg_vip_enabled", "pg_users", "pg_databases", "pg_admin_username", "pg_upstream", "pg_delay",
        "pgbouncer_poolmode", "pgbouncer_auth_query", "pgbouncer_sslmode", "pgbouncer_enabled",
        "patroni_enabled", "pg_dcs", "pg_namespace", "pg_tags", "pg_monitor_username", "pg_monitor_password",
        "pgway_max_client_prepared_statements", "pgway_max_client_prepared_bytes", "pgway_max_autodb_pools",
        "pg_rto", "pg_rto_plan", "patroni_ssl_enabled", "pgway_patroni_ca_file", "pg_service_provider", "version");

    /// <summary>Pigsty variables pgway does not read but must not mistake for typos.</summary>
    private static readonly FrozenSet<string> Others = FrozenSet.Create(StringComparer.Ordinal,
        "pg_hba_rules", "pg_default_hba_rules", "pgb_hba_rules", "pgb_default_hba_rules", "pg_libs",
        "pg_extensions", "pg_packages", "pg_version", "pg_conf", "pg_mode", "pg_shard", "pg_group",
        "pg_instances", "pg_backup", "pg_dbsu", "pg_dbsu_uid", "pg_dbsu_home", "pg_dbsu_password",
        "pg_dbsu_sudo", "pg_dbsu_ssh_exchange", "pg_data", "pg_fs_main", "pg_fs_bkup", "pg_listen",
        "pg_encoding", "pg_locale", "pg_lc_collate", "pg_lc_ctype", "pg_checksum", "pg_pwd_enc",
        "pg_admin_password", "pg_replication_username",
        "pg_replication_password", "pg_default_roles", "pg_default_privileges", "pg_default_schemas",
        "pg_default_extensions", "pg_reload", "pg_safeguard", "pg_clean", "pg_rto", "pg_rpo",
        "pg_max_conn", "pg_shared_buffer_ratio", "pg_storage_type", "pg_vip_interface",
        "pg_dns_suffix", "pg_dns_target", "pg_exporter_enabled", "pg_exporter_config", "pg_exporters",
        "pg_service_provider", "pg_hostname",
        "vip_interface", "vip_cidrmask", "vip_reload", "vip_l4_port", "haproxy_enabled",
        "haproxy_reload", "haproxy_auth_enabled", "haproxy_admin_username", "haproxy_admin_password",
        "haproxy_client_timeout", "haproxy_server_timeout", "haproxy_services", "haproxy_clean",
        "node_cluster", "nodename", "infra_seq", "etcd_seq", "etcd_cluster", "minio_seq",
        "minio_cluster", "patroni_mode", "patroni_watchdog_mode", "patroni_username",
        "patroni_password", "patroni_ssl_enabled", "patroni_log_dir", "pgbouncer_log_dir",
        "pgbouncer_exporter_enabled", "pg_exporter_params", "pg_exporter_url", "pg_exporter_auto_discovery",
        "pg_exporter_exclude_database", "pg_exporter_include_database", "pg_exporter_connect_timeout",
        "pg_exporter_options", "pgbouncer_exporter_url", "pgbouncer_exporter_options");

    /// <summary>
    /// Known names never warn; other names warn only when close to one pgway reads, so
    /// PgBouncer pass-through settings (<c>pgbouncer_max_client_conn</c>) and users' own variables pass.
    /// </summary>
    public static bool IsKnown(string name) => Read.Contains(name) || Others.Contains(name);
}
