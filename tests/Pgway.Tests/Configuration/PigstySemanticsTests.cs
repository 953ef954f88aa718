using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.Model;
using Pgway.Rendering;

namespace Pgway.Tests.Configuration;

/// <summary>
/// Pigsty semantics beyond the service lists, each against what Pigsty's templates render for a small inventory:
/// the RTO plan's check timings, Patroni's REST API over TLS, pg_service_provider, and v1's pooler names.
/// </summary>
public class PigstySemanticsTests
{
    private const string Tail = " rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100";

    /// <summary>One primary and one replica; <paramref name="clusterVars"/> and <paramref name="globalVars"/> are flow-mapping entries.</summary>
    private static string Inventory(string clusterVars = "", string globalVars = "", string hostVars = "") => $$"""
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary {{(hostVars.Length > 0 ? ", " + hostVars : "")}} }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
              vars: { pg_cluster: pg-test {{(clusterVars.Length > 0 ? ", " + clusterVars : "")}} }
          vars: { admin_ip: 10.10.10.10 {{(globalVars.Length > 0 ? ", " + globalVars : "")}} }
        """;

    private static string Section(string config, string name)
    {
        var start = config.IndexOf($"listen {name}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {name} in\n{config}");
        var end = config.IndexOf("\n\n", start, StringComparison.Ordinal);
        return config[start..(end < 0 ? config.Length : end)];
    }

    private static string DefaultServer(Topology topology, string service) =>
        Section(HaproxyConfigRenderer.Render(topology.Clusters, topology.SourceFile, "n"), service)
            .Split('\n').Single(l => l.StartsWith("    default-server ", StringComparison.Ordinal))["    default-server ".Length..];

    // What Pigsty's service template renders as default-server for each case (v4: from pg_rto_plan[pg_rto]; v2 and
    // v3: fixed), with the plan's 0.5s and 1.5s in the whole milliseconds HAProxy's parser accepts.
    [Theory]
    [InlineData("", "version: v4.5.0", "inter 2s fastinter 1s downinter 2s")]
    [InlineData("", "", "inter 2s fastinter 1s downinter 2s")]
    [InlineData("pg_rto: fast", "version: v4.5.0", "inter 1s fastinter 500ms downinter 1s")]
    [InlineData("pg_rto: norm", "version: v4.5.0", "inter 2s fastinter 1s downinter 2s")]
    [InlineData("pg_rto: safe", "version: v4.5.0", "inter 3s fastinter 1500ms downinter 3s")]
    [InlineData("pg_rto: wide", "version: v4.5.0", "inter 4s fastinter 2s downinter 4s")]
    [InlineData("pg_rto: 30", "version: v2.7.0", "inter 3s fastinter 1s downinter 5s")]
    [InlineData("pg_rto: 60", "version: v2.0.0", "inter 3s fastinter 1s downinter 5s")]
    [InlineData("", "version: v3.7.0", "inter 3s fastinter 1s downinter 5s")]
    [InlineData("pg_rto: 30", "", "inter 3s fastinter 1s downinter 5s")]
    [InlineData("pg_rto: quick, pg_rto_plan: { quick: [ 10, 2, 2, 8, 2, '500ms', '250ms', 1s, 2, 2 ], norm: [ 30, 5, 10, 25, 5, 2s, 1s, 2s, 3, 3 ] }", "version: v4.5.0",
        "inter 500ms fastinter 250ms downinter 1s rise 2 fall 2")]
    public void Load_PgRto_ServiceTimingsAsPigstyRenders(string clusterVars, string globalVars, string expected)
    {
        var result = TestInventories.Load(Inventory(clusterVars, globalVars));
        Assert.Empty(result.Diagnostics.Where(d => d.Message.Contains("pg_rto", StringComparison.Ordinal)));
        var topology = result.Topology!;

        var rendered = DefaultServer(topology, "pg-test-primary");

        var withTail = expected.EndsWith("fall 2", StringComparison.Ordinal) ? expected + Tail[" rise 3 fall 3".Length..] : expected + Tail;
        Assert.Equal(withTail, rendered);
        Assert.All(topology.Clusters[0].Services, s => Assert.Equal(withTail, s.Options.Text));
    }

    [Fact]
    public void Load_PgRtoFast_MonitorChecksAtThoseIntervals()
    {
        var service = TestInventories.LoadValid(Inventory("pg_rto: fast", "version: v4.5.0")).Service("pg-test-replica");

        // The monitor probes at Options.Inter/FastInter/DownInter: serve checks at the plan's timings.
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), 3, 3),
            (service.Options.Inter, service.Options.FastInter, service.Options.DownInter, service.Options.Rise, service.Options.Fall));
    }

    [Fact]
    public void Load_ServiceOptions_WinOverThePlan()
    {
        var topology = TestInventories.LoadValid(Inventory(
            "pg_rto: fast, pg_services: [ { name: etl, port: 5439, selector: '[]', options: 'inter 7s' } ]", "version: v4.5.0"));

        Assert.Equal("inter 7s", topology.Service("pg-test-etl").Options.Text);
        Assert.Equal(TimeSpan.FromSeconds(1), topology.Service("pg-test-primary").Options.Inter);
    }

    [Fact]
    public void Load_PgRtoMisspelt_WarnsAtItsLineAndUsesNormAsPigsty()
    {
        var result = TestInventories.Load(Inventory("pg_rto: fsat", "version: v4.5.0"));

        var warning = result.Single("pg_rto 'fsat'");
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Contains("did you mean 'fast'", warning.Message, StringComparison.Ordinal);
        Assert.Equal(7, warning.Location.Line);
        Assert.Equal(TimeSpan.FromSeconds(2), result.Topology!.Service("pg-test-primary").Options.Inter);
    }

    [Fact]
    public void Load_PgRtoSecondsOnV4_WarnsAndUsesNorm()
    {
        var result = TestInventories.Load(Inventory("pg_rto: 30", "version: v4.5.0"));

        Assert.Contains("number of seconds", result.Single("pg_rto 30").Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(2), result.Topology!.Service("pg-test-primary").Options.Inter);
    }

    [Fact]
    public void Load_PgRtoPlanMalformed_ErrorAtThePlan()
    {
        var result = TestInventories.Load(Inventory("pg_rto: fast, pg_rto_plan: { fast: [ 1, 2 ] }", "version: v4.5.0"));

        Assert.True(result.HasErrors);
        Assert.Equal(7, result.Single("pg_rto_plan's 'fast'").Location.Line);
    }

    [Theory]
    [InlineData("0.5s", "500ms")]
    [InlineData("1.5s", "1500ms")]
    [InlineData("2s", "2s")]
    [InlineData("0.25ms", "250us")]
    [InlineData("1.5", "1500us")]
    public void WholeUnits_FractionalTimes_AsHaproxyReadsThem(string time, string expected) =>
        Assert.Equal(expected, RtoPlan.WholeUnits(time));

    // Pigsty's template: "server <name> <ip>:<port> check-ssl ca-file /pg/cert/ca.crt check port 8008 weight 100".
    [Theory]
    [InlineData("version: v4.5.0, patroni_ssl_enabled: true", "/pg/cert/ca.crt")]
    [InlineData("version: v2.7.0, patroni_ssl_enabled: true", "/pg/cert/ca.crt")]
    [InlineData("version: v2.0.0, patroni_ssl_enabled: true", "/etc/pki/ca.crt")]
    [InlineData("patroni_ssl_enabled: true, pgway_patroni_ca_file: /etc/pgway/ca.pem", "/etc/pgway/ca.pem")]
    public void Load_PatroniSsl_ChecksOverHttpsWithPigstysCa(string globalVars, string caFile)
    {
        var topology = TestInventories.LoadValid(Inventory(globalVars: globalVars));
        var service = topology.Service("pg-test-replica");

        var section = Section(HaproxyConfigRenderer.Render(topology.Clusters, topology.SourceFile, "n"), "pg-test-replica");

        Assert.Contains($"    server pg-test-1 10.10.10.11:6432 check-ssl ca-file {caFile} check port 8008 weight 100 backup\n", section, StringComparison.Ordinal);
        Assert.EndsWith($"    server pg-test-2 10.10.10.12:6432 check-ssl ca-file {caFile} check port 8008 weight 100", section, StringComparison.Ordinal);
        Assert.All(service.Members, m => Assert.Equal(caFile, HealthMonitor.TargetOf(service, m)!.CaFile));
        Assert.StartsWith("OPTIONS https://", HealthMonitor.TargetOf(service, service.Members[0])!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PatroniSslOnOneHost_OnlyThatMemberOverTls()
    {
        var topology = TestInventories.LoadValid(Inventory(hostVars: "patroni_ssl_enabled: true"));
        var service = topology.Service("pg-test-primary");

        var section = Section(HaproxyConfigRenderer.Render(topology.Clusters, topology.SourceFile, "n"), "pg-test-primary");

        Assert.Contains("    server pg-test-1 10.10.10.11:6432 check-ssl ca-file /pg/cert/ca.crt check port 8008 weight 100\n", section, StringComparison.Ordinal);
        Assert.EndsWith("    server pg-test-2 10.10.10.12:6432 check port 8008 weight 100", section, StringComparison.Ordinal);
        Assert.Null(HealthMonitor.TargetOf(service, service.Members[1])!.CaFile);
    }

    [Fact]
    public void Load_PatroniSslNotABoolean_ErrorAtItsLine()
    {
        var result = TestInventories.Load(Inventory(hostVars: "patroni_ssl_enabled: yes please"));

        Assert.True(result.HasErrors);
        Assert.Equal(5, result.Single("patroni_ssl_enabled of '10.10.10.11' must be true or false").Location.Line);
    }

    /// <summary>Two database clusters served by a dedicated proxy group, as Pigsty's prod template lays them out.</summary>
    private const string ProviderInventory = """
        all:
          children:
            proxy:
              hosts:
                10.10.10.29: { nodename: proxy-1 }
                10.10.10.30: { nodename: proxy-2, haproxy_exporter_port: 9102 }
              vars: { node_cluster: proxy }
            pg-v12:
              hosts: { 10.10.10.12: { pg_seq: 1, pg_role: primary } }
              vars:
                pg_cluster: pg-v12
                pg_service_provider: proxy
                pg_default_services: [ { name: primary, port: 10012, dest: postgres, check: /primary, selector: "[]" } ]
            pg-v13:
              hosts: { 10.10.10.13: { pg_seq: 1, pg_role: primary } }
              vars:
                pg_cluster: pg-v13
                pg_service_provider: proxy
                pg_default_services: [ { name: primary, port: 10013, dest: postgres, check: /primary, selector: "[]" } ]
            pg-meta:
              hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-meta }
          vars: { version: v2.7.0 }
        """;

    [Fact]
    public void Load_ServiceProvider_ProxyNodesServeTheServicesNotTheDatabaseNodes()
    {
        var result = TestInventories.Load(ProviderInventory);
        // pg-meta's offline service selecting no instance is another matter (a single-node cluster).
        Assert.Empty(result.Diagnostics.Where(d => !d.Message.Contains("selects no instance", StringComparison.Ordinal)));
        var topology = result.Topology!;
        var v12 = topology.FindCluster("pg-v12")!;

        Assert.Equal("proxy", v12.ServiceProvider);
        Assert.Equal([("10.10.10.29", 9101, "proxy-1"), ("10.10.10.30", 9102, "proxy-2")], v12.ProviderNodes.Select(n => (n.Address, n.AdminPort, n.NodeName)));
        Assert.Equal(["pg-v12", "pg-v13"], topology.ClustersServedOn("10.10.10.29").Select(c => c.Name));
        Assert.Empty(topology.ClustersServedOn("10.10.10.12"));
        Assert.Equal(["pg-meta"], topology.ClustersServedOn("10.10.10.10").Select(c => c.Name));
        // The services still reach the database nodes.
        Assert.Equal("10.10.10.12", Assert.Single(topology.Service("pg-v12-primary").Members).Instance.Address);
    }

    [Fact]
    public void Hosting_ProxyNode_RunsTheServicesAndAStatsPageButNoAgentOrPooler()
    {
        var topology = TestInventories.LoadValid(ProviderInventory);
        string[] proxy = ["10.10.10.30"];

        var clusters = GatewayHost.HostedClusters(topology, proxy);

        Assert.Equal(["pg-v12", "pg-v13"], clusters.Select(c => c.Name));
        Assert.Equal(["pg-v12-primary", "pg-v13-primary"], GatewayHost.HostedServices(clusters, proxy).Select(s => s.FullName));
        Assert.Equal("10.10.10.30:9102", Assert.Single(GatewayHost.AdminListens(clusters, proxy)).EndPoint.ToString());
        Assert.DoesNotContain(clusters.SelectMany(c => c.Instances), i => proxy.Contains(i.Address));
    }

    [Fact]
    public void Hosting_DatabaseNodeOfProvidedCluster_RunsNoService()
    {
        var topology = TestInventories.LoadValid(ProviderInventory);
        string[] node = ["10.10.10.12"];

        var clusters = GatewayHost.HostedClusters(topology, node);

        Assert.Equal(["pg-v12"], clusters.Select(c => c.Name));
        Assert.Empty(GatewayHost.HostedServices(clusters, node));
    }

    [Fact]
    public void Hosting_NodeInNoClusterOrProvider_Error()
    {
        var topology = TestInventories.LoadValid(ProviderInventory);

        var error = Assert.Throws<ArgumentException>(() => GatewayHost.HostedClusters(topology, ["10.10.10.99"]));

        Assert.Contains("pg_service_provider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ServiceProviderNamesNoGroup_WarnsAndServesLocallyAsPigsty()
    {
        var result = TestInventories.Load(ProviderInventory.Replace("pg_service_provider: proxy\n        pg_default_services: [ { name: primary, port: 10013", "pg_service_provider: proxies\n        pg_default_services: [ { name: primary, port: 10013", StringComparison.Ordinal));

        var warning = result.Single("pg_service_provider 'proxies'");
        Assert.Equal((DiagnosticSeverity.Warning, 18), (warning.Severity, warning.Location.Line));
        var v13 = result.Topology!.FindCluster("pg-v13")!;
        Assert.Null(v13.ServiceProvider);
        Assert.True(v13.ServesOn("10.10.10.13"));
    }

    [Fact]
    public void Load_ServicePortIsAProxyNodesStatsPort_Error()
    {
        var result = TestInventories.Load(ProviderInventory.Replace("port: 10013", "port: 9102", StringComparison.Ordinal));

        Assert.Contains("haproxy_exporter_port of node '10.10.10.30'", result.Single("port 9102 is the").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_V1MaxDbConn_IsMaxDbConnections()
    {
        var result = TestInventories.Load(Inventory("pgbouncer_max_db_conn: 42, pgbouncer_poolmode: session, pgbouncer_port: 6433"));

        Assert.Empty(result.Diagnostics);
        var cluster = result.Topology!.Clusters[0];
        Assert.Equal((42, PoolMode.Session, 6433), (cluster.Pooler.MaxDbConnections, cluster.Pooler.PoolMode, cluster.Instances[0].PgbouncerPort));
    }

    [Fact]
    public void Load_V1MaxDbConnAndPgBouncersName_PgBouncersNameWins()
    {
        var result = TestInventories.Load(Inventory("pgbouncer_max_db_conn: 42, pgbouncer_max_db_connections: 7"));

        Assert.Equal(DiagnosticSeverity.Warning, result.Single("pgbouncer_max_db_conn (Pigsty v1's name").Severity);
        Assert.Equal(7, result.Topology!.Clusters[0].Pooler.MaxDbConnections);
    }
}
