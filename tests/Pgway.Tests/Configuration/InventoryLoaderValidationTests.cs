using Pgway.Configuration;

namespace Pgway.Tests.Configuration;

/// <summary>Every problem is reported at once, each with file and line.</summary>
public class InventoryLoaderValidationTests
{
    private const string Hosts = """
              hosts:
                10.0.0.1: { pg_seq: 1, pg_role: primary }
                10.0.0.2: { pg_seq: 2, pg_role: replica }
        """;

    private static LoadResult LoadCluster(string vars) => TestInventories.Load($"""
        all:
          children:
            pg-x:
        {Hosts}
              vars:
                pg_cluster: pg-x
        {vars}
        """);

    private static void AssertAt(Diagnostic diagnostic, int line, DiagnosticSeverity severity = DiagnosticSeverity.Error)
    {
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(TestInventories.File, diagnostic.Location.File);
        Assert.Equal(line, diagnostic.Location.Line);
    }

    [Fact]
    public void Load_YamlSyntaxError_ReportsLine()
    {
        var result = TestInventories.Load("all:\n  children:\n    pg-x: { hosts: [\n");

        Assert.Null(result.Topology);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("YAML syntax:", error.Message, StringComparison.Ordinal);
        Assert.Equal(TestInventories.File, error.Location.File);
        Assert.True(error.Location.Line >= 3, error.ToString());
    }

    [Fact]
    public void Load_UnknownGroupKey_DidYouMeanWithLine()
    {
        var result = TestInventories.Load("""
            all:
              childern:
                pg-x: {}
            """);

        AssertAt(result.Single("unknown key 'childern' in group 'all' (did you mean 'children'?)"), 2);
    }

    [Fact]
    public void Load_UnknownServiceKey_DidYouMeanWithLine()
    {
        var result = LoadCluster("""
                    pg_services:
                      - { name: x, port: 5500, selector: "[]", balanse: leastconn }
            """);

        AssertAt(result.Single("unknown key 'balanse' in a service of cluster 'pg-x' (did you mean 'balance'?)"), 10);
    }

    [Fact]
    public void Load_V1KeyInV2List_NamesTheSchemaMixUp()
    {
        var result = LoadCluster("""
                    pg_default_services:
                      - { name: x, port: 5500, selector: "[]", check_url: /primary }
            """);

        AssertAt(result.Single("unknown key 'check_url' in a service of cluster 'pg-x': this list uses Pigsty's v2 schema, where it is 'check'"), 10);
    }

    [Fact]
    public void Load_MixedSchemas_Error()
    {
        var result = LoadCluster("""
                    pg_default_services: []
                    pg_services_extra:
                      - { name: x, src_port: 5500, selector: "[]" }
            """);

        Assert.Contains("mixes Pigsty's v1 service schema", result.Single("mixes").Message, StringComparison.Ordinal);
        Assert.Null(result.Topology);
    }

    [Fact]
    public void Load_MissingRequiredFields_EachReported()
    {
        var result = LoadCluster("""
                    pg_services:
                      - { name: x, port: 5500 }
                      - { port: 5501, selector: "[]" }
            """);

        AssertAt(result.Single("is missing required key 'selector'"), 10);
        AssertAt(result.Single("is missing required key 'name'"), 11);
    }

    [Fact]
    public void Load_BadJmesPath_ErrorAtSelector()
    {
        var result = LoadCluster("""
                    pg_services:
                      - name: x
                        port: 5500
                        selector: "[? pg_role == ]"
            """);

        AssertAt(result.Single("selector \"[? pg_role == ]\" of service 'pg-x-x' is not valid JMESPath"), 12);
    }

    [Fact]
    public void Load_UnknownPortName_DidYouMean()
    {
        var result = LoadCluster("""
                    pg_services:
                      - name: x
                        port: 5500
                        dest: pgbouncr
                        selector: "[]"
            """);

        AssertAt(result.Single("the destination of service 'pg-x-x' is 'pgbouncr', which is neither a port number nor one of default, postgres, pgbouncer, pool (did you mean 'pgbouncer'?)"), 12);
    }

    [Fact]
    public void Load_TwoServicesOnOnePort_Error()
    {
        var result = LoadCluster("""
                    pg_services:
                      - name: x
                        port: 5433
                        selector: "[]"
            """);

        AssertAt(result.Single("service 'pg-x-x' listens on *:5433, which 'pg-x-primary' (one of Pigsty's default services) already uses"), 11);
    }

    [Fact]
    public void Load_ServicePortIsPostgresPort_Error()
    {
        var result = LoadCluster("""
                    pg_services:
                      - { name: x, port: 6432, selector: "[]" }
            """);

        Assert.Contains("port 6432 is the pgbouncer_port of pg-x-1", result.Single("pgbouncer_port").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClustersOnDifferentNodes_MayShareServicePorts()
    {
        var result = TestInventories.Load("""
            all:
              children:
                pg-a:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-a }
                pg-b:
                  hosts: { 10.0.0.2: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-b }
            """);

        Assert.False(result.HasErrors, string.Join('\n', result.Errors));
    }

    [Fact]
    public void Load_SelectorSelectsNobody_Warning()
    {
        var result = LoadCluster("""
                    pg_services:
                      - { name: x, port: 5500, selector: "[? pg_role == `ofline`]" }
            """);

        // No instance of any role could match, so the empty service is a mistake, not the cluster's shape.
        AssertAt(result.Single("service 'pg-x-x' selects no instance"), 10, DiagnosticSeverity.Warning);
        Assert.NotNull(result.Topology);
    }

    [Fact]
    public void Load_PgSeqClash_ErrorNamesBothHosts()
    {
        var result = TestInventories.Load("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                    10.0.0.2: { pg_seq: 1, pg_role: replica }
                  vars: { pg_cluster: pg-x }
            """);

        AssertAt(result.Single("pg_seq 1 of '10.0.0.2' is already used by '10.0.0.1' in cluster 'pg-x' (line 5)"), 6);
    }

    [Fact]
    public void Load_TwoPrimaries_Warning()
    {
        var result = TestInventories.Load("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                    10.0.0.2: { pg_seq: 2, pg_role: primary }
                  vars: { pg_cluster: pg-x }
            """);

        AssertAt(result.Single("cluster 'pg-x' has 2 instances with pg_role: primary"), 6, DiagnosticSeverity.Warning);
        Assert.False(result.HasErrors);
    }

    [Fact]
    public void Load_BadInstanceVariables_EachReported()
    {
        var result = TestInventories.Load("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: one, pg_role: primray, pg_weight: 300 }
                    10.0.0.2: { pg_role: replica, pg_offline_query: maybe }
                  vars: { pg_cluster: pg-x }
            """);

        AssertAt(result.Single("pg_seq of '10.0.0.1' must be an integer"), 5);
        AssertAt(result.Single("pg_role 'primray' of '10.0.0.1' is not one of primary, replica, offline, standby, delayed (did you mean 'primary'?)"), 5);
        AssertAt(result.Single("pg_weight of '10.0.0.1' must be an integer from 0 to 255"), 5);
        AssertAt(result.Single("host '10.0.0.2' of cluster 'pg-x' has no pg_seq"), 6);
        AssertAt(result.Single("pg_offline_query of '10.0.0.2' must be true or false"), 6);
    }

    [Fact]
    public void Load_MisspeltVariable_WarningWithDidYouMean()
    {
        var result = LoadCluster("""
                    pg_servcies: []
                    pgbouncer_max_client_conn: 20000
            """);

        AssertAt(result.Single("unknown variable 'pg_servcies' (did you mean 'pg_services'?)"), 9, DiagnosticSeverity.Warning);
        Assert.Single(result.Warnings);
    }

    [Fact]
    public void Load_VipServiceWithoutVip_Error()
    {
        var result = LoadCluster("""
                    pg_services_extra:
                      - { name: x, src_ip: vip, src_port: 5500, selector: "[]" }
            """);

        AssertAt(result.Single("binds to the VIP, but cluster 'pg-x' has none"), 10);
    }

    [Fact]
    public void Load_ManyProblems_AllReportedInLineOrder()
    {
        var result = LoadCluster("""
                    pg_services:
                      - { name: a, port: 70000, selector: "[]" }
                      - { name: b, port: 5501, selector: "[]", balance: random }
                      - { name: c, port: 5502, selector: "[]", options: "inter 2x" }
                      - { name: d, port: 5503, selector: "[]", check: primary }
            """);

        var lines = result.Errors.Select(e => e.Location.Line).ToList();
        Assert.Equal([10, 11, 12, 13], lines);
        Assert.Equal(lines.Order(), lines);
        Assert.Contains("'port' in a service of cluster 'pg-x' must be an integer from 1 to 65535, got '70000'", result.Errors.First().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ClearError()
    {
        var result = InventoryLoader.LoadFile("/nonexistent/inventory.yml");

        Assert.Contains("cannot read the inventory", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoAllGroup_Error()
    {
        var result = TestInventories.Load("pg-x: { hosts: {} }");

        Assert.Contains(result.Errors, e => e.Message.StartsWith("unknown key 'pg-x' in the inventory; groups go under all.children", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_VipEnabledWithoutAddress_Error()
    {
        var result = LoadCluster("""
                    pg_vip_enabled: true
                    pg_vip_address: ~
            """);

        AssertAt(result.Single("enables its VIP but sets no pg_vip_address"), 9);
    }

    [Fact]
    public void Load_SameFullNameAcrossClusters_Error()
    {
        var result = TestInventories.Load("""
            all:
              children:
                pg-test:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-test }
                pg:
                  hosts: { 10.0.0.2: { pg_seq: 1, pg_role: primary } }
                  vars:
                    pg_cluster: pg
                    pg_services: [ { name: test-primary, port: 5500, selector: "[]" } ]
            """);

        Assert.Contains("has the full name 'pg-test-primary'", result.Single("full name").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HaproxyExporterPort_ValidatedAndReserved()
    {
        var bad = LoadCluster("        haproxy_exporter_port: abc");
        var clash = LoadCluster("""
                    pg_services: [ { name: x, port: 9101, selector: "[]" } ]
            """);

        AssertAt(bad.Single("haproxy_exporter_port must be an integer"), 9);
        Assert.Contains("port 9101 is the haproxy_exporter_port", clash.Single("haproxy_exporter_port").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/replica?lag='1MB")]
    [InlineData("/replica#x")]
    [InlineData("/rep\\\\lica")]
    public void Load_CheckPathWithConfigSyntax_Error(string path)
    {
        var result = LoadCluster($"""
                    pg_services: [ {"{"} name: x, port: 5500, selector: "[]", check: "{path}" {"}"} ]
            """);

        AssertAt(result.Single("must be a URL path"), 9);
    }

    [Fact]
    public void Load_HostListedTwice_ProblemsPointAtClusterListing()
    {
        var result = TestInventories.Load("""
            all:
              children:
                infra:
                  hosts:
                    10.0.0.1: { infra_seq: 1 }
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1 }
                  vars: { pg_cluster: pg-x }
            """);

        AssertAt(result.Single("has no pg_role"), 8);
    }

    [Theory]
    [InlineData("pg_services", "port", "postgress", "(did you mean 'postgres'?)")]
    [InlineData("pg_services", "port", "htpp", "(did you mean 'http'?)")]
    [InlineData("pg_services_extra", "src_port", "Postgres", "(did you mean 'postgres'?)")]
    [InlineData("pg_services_extra", "src_port", "script", "use 'http' (Patroni or pgway's agent) or 'postgres' (pgway checks by SQL)")]
    public void Load_UnknownCheckMethod_ErrorWithLineAndSuggestion(string list, string portKey, string method, string expected)
    {
        var result = LoadCluster($"""
                    {list}:
                      - name: x
                        {portKey}: 5500
                        selector: "[]"
                        check_method: {method}
            """);

        var error = result.Single($"check_method '{method}' is not supported");
        AssertAt(error, 13);
        Assert.EndsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PostgresCheckWithCheckPort_WarnsThatThePortIsUnused()
    {
        var result = LoadCluster("""
                    pg_services_extra:
                      - name: x
                        src_port: 5500
                        selector: "[]"
                        check_method: postgres
                        check_port: 8008
            """);

        Assert.False(result.HasErrors, string.Join('\n', result.Errors));
        var warning = result.Single("check_port '8008' of service 'x' is not used");
        AssertAt(warning, 14, DiagnosticSeverity.Warning);
    }

    [Theory]
    [InlineData("[noloadbalance]")]
    [InlineData("noloadbalance")]
    [InlineData("true")]
    [InlineData("1")]
    public void Load_PgTagsNotAMapping_ErrorAtTheHost(string tags)
    {
        var result = TestInventories.Load($"""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: {"{"} pg_seq: 1, pg_role: primary {"}"}
                    10.0.0.2: {"{"} pg_seq: 2, pg_role: replica, pg_tags: {tags} {"}"}
                  vars: {"{"} pg_cluster: pg-x {"}"}
            """);

        AssertAt(result.Single("pg_tags of '10.0.0.2' must be a mapping of Patroni tags"), 6);
    }

    [Fact]
    public void Load_PgTagsNull_NoError()
    {
        var result = LoadCluster("        pg_tags: ~");

        Assert.False(result.HasErrors, string.Join('\n', result.Errors));
    }
}
