using System.Collections.Frozen;

namespace Pgway.Configuration;

/// <summary>
/// Pigsty's variable catalogue (names only, as facts), so that pgway calls a variable unknown
/// only when it is a near miss of a real name, not because Pigsty has hundreds pgway does not read.
/// </summary>
/// <remarks>
/// Where the names come from: the top-level keys of <c>roles/*/defaults/main.yml</c> in the public
/// <c>pgsty/pigsty</c> repository at every release tag from v1.0.0 to v4.5.0, each under the last role
/// that defined it (v1's <c>postgres</c>, <c>service</c> and <c>consul</c> roles hold names later
/// releases renamed or dropped); then the variables Pigsty's shipped inventories (<c>pigsty.yml</c>,
/// <c>conf/**</c>) set that no role default defines. One role a block, sorted, so additions merge cleanly.
/// </remarks>
internal static class PigstyVariables
{
    /// <summary>Names Pigsty's roles define defaults for.</summary>
    public static readonly FrozenSet<string> RoleDefaults = FrozenSet.Create(StringComparer.Ordinal,
        // roles/ca
        "ca_cert", "ca_cn", "ca_create", "ca_homedir", "ca_key", "ca_method", "ca_subject",
        // roles/cache
        "cache_gf_plugin", "cache_pkg_dir", "cache_pkg_name", "cache_repo",
        // roles/consul
        "consul_data_dir", "consul_enabled", "consul_exists", "dcs_disable_purge", "dcs_exists_action",
        // roles/docker
        "docker_cgroups_driver", "docker_data", "docker_enabled", "docker_image", "docker_image_cache",
        "docker_registry_mirrors", "docker_storage_driver",
        // roles/etcd
        "dcs_clean", "dcs_name", "dcs_safeguard", "dcs_servers", "etcd_certs", "etcd_clean", "etcd_data_dir",
        "etcd_election_timeout", "etcd_enabled", "etcd_exists", "etcd_heartbeat_interval", "etcd_init",
        "etcd_learner", "etcd_peer_port",
        // roles/etcd_remove
        "etcd_cluster", "etcd_data", "etcd_rm_data", "etcd_rm_pkg", "etcd_safeguard",
        // roles/ferret
        "mongo_extra_vars", "mongo_listen", "mongo_port", "mongo_ssl_enabled", "mongo_ssl_port",
        // roles/grafana
        "grafana_cache", "grafana_customize_logo", "grafana_database", "grafana_endpoint", "grafana_git_plugins",
        "grafana_plugin", "grafana_plugin_git", "grafana_plugin_method", "grafana_plugins",
        // roles/haproxy
        "haproxy_admin_password", "haproxy_admin_username", "haproxy_auth_enabled", "haproxy_clean",
        "haproxy_client_timeout", "haproxy_reload", "haproxy_server_timeout", "haproxy_services",
        // roles/infra
        "admin_ip", "alertmanager_enabled", "alertmanager_options", "alertmanager_port", "blackbox_enabled",
        "blackbox_options", "blackbox_port", "certbot_email", "certbot_options", "certbot_sign", "dns_port",
        "dns_records", "docker_exporter_port", "grafana_auth_proxy", "grafana_clean", "grafana_pgurl",
        "grafana_plugin_cache", "grafana_plugin_list", "grafana_view_password", "infra_data",
        "infra_extra_services", "infra_packages", "infra_packages_pip", "infra_portal", "infra_services",
        "language", "loki_clean", "loki_data", "loki_enabled", "loki_retention", "mongo_exporter_port",
        "mysql_exporter_port", "nginx_cert_exists", "nginx_cert_validity", "nginx_clean", "nginx_exporter_enabled",
        "nginx_exporter_port", "nginx_navbar", "nginx_ssl_port", "nginx_sslmode", "nginx_users", "prometheus_clean",
        "prometheus_data", "prometheus_options", "prometheus_scrape_interval", "prometheus_scrape_timeout",
        "prometheus_sd_interval", "pushgateway_enabled", "pushgateway_options", "vlogs_clean", "vlogs_enabled",
        "vlogs_options", "vlogs_port", "vmalert_enabled", "vmalert_options", "vmalert_port", "vmetrics_clean",
        "vmetrics_enabled", "vmetrics_options", "vmetrics_scrape_interval", "vmetrics_scrape_timeout",
        "vtraces_clean", "vtraces_enabled", "vtraces_options", "vtraces_port",
        // roles/juice
        "juice_cache", "juice_instances",
        // roles/jupyter
        "jupyter_username",
        // roles/kafka
        "kafka_controller_port", "kafka_exporter_port", "kafka_heap_opts", "kafka_jmx_exporter_port",
        "kafka_parameters", "kafka_port", "kafka_role", "kafka_security", "kafka_topics", "kafka_users",
        // roles/kafka_remove
        "kafka_data", "kafka_rm_data", "kafka_rm_pkg", "kafka_safeguard",
        // roles/loki
        "loki_data_dir", "loki_options",
        // roles/minio
        "minio_access_key", "minio_admin_port", "minio_alias", "minio_buckets", "minio_clean", "minio_domain",
        "minio_extra_vars", "minio_https", "minio_node", "minio_port", "minio_provision", "minio_secret_key",
        "minio_users", "prometheus_port", "vmetrics_port",
        // roles/minio_remove
        "minio_cluster", "minio_data", "minio_rm_data", "minio_rm_pkg", "minio_safeguard", "minio_type",
        "minio_user",
        // roles/mysql
        "mysql_admin_password", "mysql_admin_username", "mysql_backup_enabled", "mysql_backup_repo",
        "mysql_cluster_password", "mysql_conf", "mysql_data", "mysql_databases", "mysql_dbsu", "mysql_dbsu_home",
        "mysql_dbsu_ssh_exchange", "mysql_dbsu_uid", "mysql_default_parameters", "mysql_exporter_enabled",
        "mysql_listen", "mysql_log_dir", "mysql_monitor_password", "mysql_monitor_username", "mysql_packages",
        "mysql_parameters", "mysql_pid", "mysql_port", "mysql_replication_password", "mysql_replication_username",
        "mysql_root_password", "mysql_root_username", "mysql_services", "mysql_sock", "mysql_users",
        // roles/mysql_remove
        "mysql_rm_confirm", "mysql_safeguard",
        // roles/nameserver
        "nameserver_enabled",
        // roles/nginx
        "app_list", "docs_enabled", "nginx_indexes", "nginx_upstream", "pev2_enabled", "pgbadger_enabled",
        // roles/node
        "meta_node", "nginx_enabled", "node_admin_enabled", "node_admin_pk_current", "node_admin_pk_list",
        "node_admin_pks", "node_admin_setup", "node_admin_ssh_exchange", "node_admin_sudo", "node_admin_uid",
        "node_admin_username", "node_aliases", "node_crontab", "node_data_dir", "node_default_etc_hosts",
        "node_default_packages", "node_disable_firewall", "node_disable_numa", "node_disable_selinux",
        "node_disable_swap", "node_disk_prefetch", "node_dns_hosts", "node_dns_hosts_extra", "node_dns_method",
        "node_dns_options", "node_dns_server", "node_dns_servers", "node_etc_hosts", "node_etc_hosts_default",
        "node_extra_packages", "node_firewall_mode", "node_firewall_public_port", "node_hugepage_count",
        "node_hugepage_ratio", "node_kernel_modules", "node_local_repo_url", "node_meta_packages",
        "node_meta_pip_install", "node_ntp_config", "node_ntp_enabled", "node_ntp_servers", "node_ntp_service",
        "node_overcommit_ratio", "node_packages", "node_packages_default", "node_packages_meta",
        "node_packages_meta_pip", "node_pip_packages", "node_repo_local_urls", "node_repo_method",
        "node_repo_modules", "node_repo_remove", "node_selinux_mode", "node_static_network", "node_sysctl_params",
        "node_timezone", "node_tuned_profile_dir", "node_uv_env", "node_write_etc_hosts", "vip_auth_pass",
        "vip_interface", "vip_preempt", "vip_role",
        // roles/node_id
        "node_cluster", "node_id_from_pg", "nodename_exchange", "nodename_overwrite",
        // roles/node_monitor
        "haproxy_enabled", "haproxy_exporter_port", "node_exporter_options", "node_exporter_port", "promtail_clean",
        "promtail_port", "vector_log_endpoint", "vector_port", "vip_dns_suffix", "vip_exporter_port",
        // roles/node_remove
        "node_crontab_overwrite", "node_exporter_enabled", "promtail_enabled", "promtail_positions", "vector_clean",
        "vector_data", "vip_enabled",
        // roles/pg_exporters
        "clsname",
        // roles/pg_migration
        "context_dir",
        // roles/pg_monitor
        "pg_exporter_auto_discovery", "pg_exporter_cache_ttls", "pg_exporter_config", "pg_exporter_connect_timeout",
        "pg_exporter_enabled", "pg_exporter_exclude_database", "pg_exporter_include_database",
        "pg_exporter_options", "pg_exporter_params", "pg_exporter_port", "pg_exporter_url",
        "pgbackrest_exporter_enabled", "pgbackrest_exporter_options", "pgbackrest_exporter_port",
        "pgbouncer_exporter_enabled", "pgbouncer_exporter_options", "pgbouncer_exporter_port",
        "pgbouncer_exporter_url",
        // roles/pg_remove
        "grafana_port", "pg_rm_backup", "pg_rm_bkup", "pg_rm_data", "pg_rm_pkg", "pg_safeguard", "pg_uninstall",
        // roles/pgsql
        "cert_validity", "dns_enabled", "etcd_port", "etcd_root_password", "grafana_admin_password",
        "grafana_admin_username", "grafana_enabled", "node_firewall_intranet", "node_tune", "patroni_citus_db",
        "patroni_enabled", "patroni_log_dir", "patroni_mode", "patroni_password", "patroni_port",
        "patroni_ssl_enabled", "patroni_username", "patroni_watchdog_mode", "pg_admin_password",
        "pg_admin_username", "pg_bin_dir", "pg_cert_exists", "pg_checksum", "pg_clean", "pg_conf", "pg_crontab",
        "pg_data", "pg_databases", "pg_dbsu", "pg_dbsu_home", "pg_dbsu_password", "pg_dbsu_ssh_exchange",
        "pg_dbsu_sudo", "pg_dbsu_uid", "pg_default_extensions", "pg_default_hba_rules", "pg_default_privileges",
        "pg_default_roles", "pg_default_schemas", "pg_default_service_dest", "pg_default_services", "pg_delay",
        "pg_dns_suffix", "pg_dns_target", "pg_dummy_filesize", "pg_encoding", "pg_etcd_password", "pg_exists",
        "pg_extensions", "pg_files", "pg_fs_backup", "pg_fs_bkup", "pg_fs_main", "pg_hba_rules", "pg_init",
        "pg_io_method", "pg_lc_collate", "pg_lc_ctype", "pg_libs", "pg_listen", "pg_locale", "pg_localhost",
        "pg_log_dir", "pg_max_conn", "pg_mode", "pg_monitor_password", "pg_monitor_username", "pg_namespace",
        "pg_offline_query", "pg_packages", "pg_parameters", "pg_port", "pg_primary_db", "pg_provision",
        "pg_pwd_enc", "pg_reload", "pg_replication_password", "pg_replication_username", "pg_rpo", "pg_rto",
        "pg_rto_plan", "pg_service_provider", "pg_services", "pg_shared_buffer_ratio", "pg_storage_type",
        "pg_users", "pg_vip_address", "pg_vip_enabled", "pg_vip_interface", "pg_weight", "pgb_default_hba_rules",
        "pgb_hba_rules", "pgbackrest_clean", "pgbackrest_enabled", "pgbackrest_init_backup", "pgbackrest_log_dir",
        "pgbackrest_method", "pgbackrest_repo", "pgbouncer_auth_query", "pgbouncer_enabled",
        "pgbouncer_ignore_param", "pgbouncer_log_dir", "pgbouncer_poolmode", "pgbouncer_port", "pgbouncer_sslmode",
        // roles/pgweb
        "pgweb_enabled", "pgweb_username",
        // roles/postgres
        "pg_add_repo", "pg_backup", "pg_disable_purge", "pg_exists_action", "pg_hba_rules_extra", "pg_hostname",
        "pg_nodename", "pg_preflight_skip", "pg_services_extra", "pg_shared_libraries", "pgbouncer_hba_rules",
        "pgbouncer_hba_rules_extra", "pgbouncer_max_db_conn", "pgdg_repo",
        // roles/prometheus
        "prometheus_data_dir", "prometheus_reload", "prometheus_sd_method",
        // roles/promtail
        "loki_endpoint", "promtail_options", "promtail_send_url", "promtail_status_file",
        // roles/redis
        "exporter_install", "exporter_metrics_path", "exporter_repo_url", "redis_aof_enabled", "redis_bind_address",
        "redis_cluster_replicas", "redis_conf", "redis_disable_purge", "redis_exists", "redis_exists_action",
        "redis_exporter_enabled", "redis_exporter_options", "redis_exporter_port", "redis_install",
        "redis_max_memory", "redis_mem_policy", "redis_mode", "redis_password", "redis_rdb_save",
        "redis_rename_commands", "redis_rmdata", "redis_sentinel_monitor", "vector_read_from",
        // roles/redis_remove
        "prometheus_enabled", "prometheus_sd_dir", "redis_clean", "redis_fs_main", "redis_rm_data", "redis_rm_pkg",
        "redis_safeguard", "redis_type", "redis_uninstall", "vector_enabled",
        // roles/repo
        "nginx_data", "nginx_home", "nginx_port", "node_data", "pg_version", "proxy_env", "region", "repo_address",
        "repo_enabled", "repo_endpoint", "repo_exist", "repo_exists", "repo_extra_packages", "repo_home",
        "repo_modules", "repo_name", "repo_packages", "repo_port", "repo_rebuild", "repo_remove", "repo_upstream",
        "repo_upstreams", "repo_url_packages", "version",
        // roles/service
        "dcs_registry", "dcs_type", "dns_mode", "dns_selector", "haproxy_admin_auth_enabled", "pg_dcs_type",
        "service_registry", "vip_address", "vip_cidrmask", "vip_mode", "vip_reload",
        // roles/vibe
        "claude_enabled", "claude_env", "claude_package", "code_data", "code_enabled", "code_gallery",
        "code_password", "code_port", "codex_enabled", "jupyter_data", "jupyter_enabled", "jupyter_password",
        "jupyter_port", "jupyter_venv", "nodejs_enabled", "nodejs_registry", "npm_packages", "vibe_data");

    /// <summary>
    /// Names only inventories set: identity variables (<c>pg_cluster</c>, <c>pg_seq</c>, …), multi-instance
    /// nodes (<c>pg_instances</c>, <c>gp_role</c>), Ansible's connection variables and sandbox VM specs.
    /// </summary>
    public static readonly FrozenSet<string> InventoryOnly = FrozenSet.Create(StringComparer.Ordinal,
        "ansible_become", "ansible_become_password", "ansible_connection", "ansible_group_priority", "ansible_host",
        "ansible_password", "ansible_port", "ansible_python_interpreter", "ansible_ssh_private_key_file", "ansible_user", "app", "apps", "cpu", "etcd_seq", "gp_role", "image", "infra_seq",
        "kafka_cluster", "kafka_seq", "mem", "minio_endpoint", "minio_seq", "mongo_cluster", "mongo_pgurl",
        "mongo_seq", "mysql_cluster", "mysql_seq", "node_conf", "nodename", "pg_cluster", "pg_default_version",
        "pg_exporters", "pg_group", "pg_instances", "pg_role", "pg_seq", "pg_shard", "pg_upstream", "redis_cluster",
        "redis_instances", "redis_node", "vip_vrid");
}
