using Pgway.Configuration;

namespace Pgway.Tests.Configuration.Pigsty;

/// <summary>
/// Small inventories that reproduce the patterns of Pigsty's shipped ones (v1.0 to v4.5): each loads
/// with no error and no false warning, and each real mistake still gets one message, once, at its line.
/// </summary>
public sealed class PigstyInventoryPatternTests
{
    private static string TwoClusters(string globalVars) => $$"""
        all:
          vars:
        {{globalVars}}
          children:
            infra: { hosts: { 10.0.0.1: { infra_seq: 1 } } }
            pg-meta:
              hosts:
                10.0.0.1: { pg_seq: 1, pg_role: primary }
              vars: { pg_cluster: pg-meta }
            pg-test:
              hosts:
                10.0.0.2: { pg_seq: 1, pg_role: primary }
                10.0.0.3: { pg_seq: 2, pg_role: replica }
              vars: { pg_cluster: pg-test }
        """;

    [Theory]
    [InlineData("repo_upstream: []")]
    [InlineData("repo_address: pigsty")]
    [InlineData("node_exporter_port: 9100")]
    [InlineData("node_admin_username: dba")]
    [InlineData("vip_role: master")]
    [InlineData("vip_exporter_port: 9650")]
    [InlineData("nginx_exporter_port: 9113")]
    [InlineData("mysql_monitor_password: x")]
    [InlineData("gp_role: master")]
    [InlineData("pgbouncer_exporter_port: 9631")]
    [InlineData("pgbouncer_ignore_param: [ extra_float_digits ]")]
    [InlineData("pgbouncer_hba_rules: []")]
    [InlineData("pgbouncer_max_db_conn: 100")]
    [InlineData("haproxy_admin_password: pigsty")]
    [InlineData("ansible_user: vagrant")]
    public void Load_PigstyVariable_NoDiagnostics(string variable)
    {
        var result = TestInventories.Load(TwoClusters("    " + variable));

        Assert.Empty(result.Diagnostics);
    }

    [Theory]
    [InlineData("node_exporter_prot: 9100", "unknown variable 'node_exporter_prot' (did you mean 'node_exporter_port'?)")]
    [InlineData("pg_servcies: []", "unknown variable 'pg_servcies' (did you mean 'pg_services'?)")]
    [InlineData("pgbouncer_exporter_prot: 9631", "pgbouncer_exporter_prot is not a PgBouncer setting pgway knows (did you mean 'pgbouncer_exporter_port'?)")]
    [InlineData("pgbouncer_max_client_con: 10", "pgbouncer_max_client_con is not a PgBouncer setting pgway knows (did you mean 'pgbouncer_max_client_conn'?)")]
    public void Load_NearMissOfAPigstyVariable_OneWarningAtItsLine(string variable, string warning)
    {
        var result = TestInventories.Load(TwoClusters("    " + variable));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((DiagnosticSeverity.Warning, 3), (diagnostic.Severity, diagnostic.Location.Line));
        Assert.Equal(warning, diagnostic.Message);
    }

    [Fact]
    public void Load_AdminUsernameWithoutPasswordForAll_OneErrorNotOnePerHost()
    {
        var result = TestInventories.Load(TwoClusters("    haproxy_admin_username: admin"));

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal((3, "haproxy_admin_username is set but haproxy_admin_password is not"), (error.Location.Line, error.Message[..error.Message.IndexOf(':', StringComparison.Ordinal)]));
    }

    [Fact]
    public void Load_PigstyIgnoreParam_IgnoredStartupParameters()
    {
        var topology = TestInventories.LoadValid(TwoClusters("    pgbouncer_ignore_param: [ extra_float_digits, application_name, search_path ]"));

        Assert.Equal(["extra_float_digits", "application_name", "search_path"], topology.Clusters[0].Pooler.IgnoreStartupParameters.ToArray());
    }

    [Fact]
    public void Load_SingleNodeCluster_DefaultOfflineServiceEmptyWithoutWarning()
    {
        var result = TestInventories.Load(TwoClusters("    pg_version: 17"));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.Topology!.Service("pg-meta-offline").Members);
        Assert.Equal(["pg-test-2"], result.Topology!.Service("pg-test-offline").Backups());
    }

    [Fact]
    public void Load_SingleNodeClusterWritingPigstysDefaultServices_NoWarning()
    {
        var result = TestInventories.Load(TwoClusters("""
                pg_default_services:
                  - { name: primary ,port: 5433 ,dest: default  ,check: /primary   ,selector: "[]" }
                  - { name: offline ,port: 5438 ,dest: postgres ,check: /replica   ,selector: "[? pg_role == `offline` || pg_offline_query ]" , backup: "[? pg_role == `replica` && !pg_offline_query]"}
            """));

        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Load_SelectorNoRoleCanMatch_WarnsAtTheSelector()
    {
        var result = TestInventories.Load(TwoClusters("""
                pg_services:
                  - { name: standby, port: 5440, selector: "[? pg_role == `standbye` ]" }
            """));

        Assert.Equal([4, 4], result.Diagnostics.Select(d => d.Location.Line).ToArray());
        Assert.All(result.Diagnostics, d => Assert.Contains("selects no instance", d.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BuiltInDefaultServiceProblem_LocatedAtTheCluster()
    {
        var result = TestInventories.Load("""
            all:
              children:
                pg-meta:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                  vars:
                    pg_cluster: pg-meta
                    pg_port: 5433
            """);

        var error = result.Single("port 5433 is the pg_port of pg-meta-1");
        Assert.Equal((TestInventories.File, 7), (error.Location.File, error.Location.Line));
        Assert.DoesNotContain(result.Diagnostics, d => d.Location.File != TestInventories.File);
    }

    [Fact]
    public void Load_MultiInstanceNodes_GroupSkippedWithOneWarning()
    {
        var result = TestInventories.Load("""
            all:
              children:
                mx-mdw:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: mx-mdw, gp_role: master }
                mx-sdw:
                  hosts:
                    10.0.0.2:
                      pg_instances:
                        6000: { pg_cluster: mx-seg1, pg_seq: 1, pg_role: primary }
                        6001: { pg_cluster: mx-seg2, pg_seq: 2, pg_role: replica }
                    10.0.0.3:
                      pg_instances:
                        6000: { pg_cluster: mx-seg2, pg_seq: 1, pg_role: primary }
                  vars: { pg_cluster: mx-sdw, gp_role: segment, pg_preflight_skip: true }
            """);

        Assert.False(result.HasErrors, string.Join('\n', result.Diagnostics));
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal(10, warning.Location.Line);
        Assert.Contains("cluster 'mx-sdw' puts several PostgreSQL instances on one node", warning.Message, StringComparison.Ordinal);
        Assert.Equal(["mx-mdw"], result.Topology!.Clusters.Select(c => c.Name).ToArray());
    }

    [Fact]
    public void Load_HostInTwoClusters_Warning()
    {
        var result = TestInventories.Load("""
            all:
              children:
                pg-meta:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                    10.0.0.2: { pg_seq: 2, pg_role: replica }
                  vars: { pg_cluster: pg-meta }
                pg-test:
                  hosts:
                    10.0.0.2: { pg_seq: 1, pg_role: primary }
                  vars: { pg_cluster: pg-test }
            """);

        var warning = result.Single("host '10.0.0.2' is listed in cluster 'pg-test' and in cluster 'pg-meta' (line 6)");
        Assert.Equal((DiagnosticSeverity.Warning, 10), (warning.Severity, warning.Location.Line));
    }

    [Fact]
    public void Load_DestinationTypo_ListsDefault()
    {
        var result = TestInventories.Load(TwoClusters("""
                pg_services: [ { name: extra, port: 5440, selector: "[]", dest: defualt } ]
            """));

        Assert.Contains("neither a port number nor one of default, postgres, pgbouncer, pool (did you mean 'default'?)", result.Errors.First().Message, StringComparison.Ordinal);
    }
}
