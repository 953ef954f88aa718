namespace Pgway.Configuration;

/// <summary>
/// Pigsty's default service lists, in each schema, as YAML so they go through the same
/// reader as a user's and errors about them carry a line too.
/// </summary>
internal static class DefaultServices
{
    public const string File = "(built-in defaults)";

    /// <summary>Pigsty v2+ <c>pg_default_services</c>.</summary>
    public const string V2 = """
        - { name: primary ,port: 5433 ,dest: default  ,check: /primary   ,selector: "[]" }
        - { name: replica ,port: 5434 ,dest: default  ,check: /read-only ,selector: "[]" , backup: "[? pg_role == `primary` || pg_role == `offline` ]" }
        - { name: default ,port: 5436 ,dest: postgres ,check: /primary   ,selector: "[]" }
        - { name: offline ,port: 5438 ,dest: postgres ,check: /replica   ,selector: "[? pg_role == `offline` || pg_offline_query ]" , backup: "[? pg_role == `replica` && !pg_offline_query]" }
        """;

    /// <summary>Pigsty v1 <c>pg_services</c>.</summary>
    public const string V1 = """
        - { name: primary, src_ip: "*", src_port: 5433, dst_port: pgbouncer, check_url: /primary, selector: "[]" }
        - { name: replica, src_ip: "*", src_port: 5434, dst_port: pgbouncer, check_url: /read-only, selector: "[]", selector_backup: "[? pg_role == `primary` || pg_role == `offline` ]" }
        - { name: default, src_ip: "*", src_port: 5436, dst_port: postgres, check_method: http, check_port: patroni, check_url: /primary, check_code: 200, selector: "[]" }
        - { name: offline, src_ip: "*", src_port: 5438, dst_port: postgres, check_url: /replica, selector: "[? pg_role == `offline` || pg_offline_query ]", selector_backup: "[? pg_role == `replica` && !pg_offline_query]" }
        """;

    /// <summary>Pigsty's default destination for v2 services with <c>dest: default</c>.</summary>
    public const string Destination = "pgbouncer";

    /// <summary>The default-server options of Pigsty's v1 seed configuration.</summary>
    public const string V1ServerOptions =
        "inter 3s fastinter 1s downinter 5s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100";

    public const int V1MaxConn = 3000;

    public const int V2MaxConn = 5000;
}
