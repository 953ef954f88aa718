using Pgway.Rendering;

namespace Pgway.Tests.Rendering;

public class HaproxyConfigRendererTests
{
    private static string Render(string example, string cluster)
    {
        var topology = TestInventories.Example(example);
        return HaproxyConfigRenderer.Render([topology.FindCluster(cluster)!], topology.SourceFile, cluster);
    }

    private static string Section(string config, string name)
    {
        var start = config.IndexOf($"listen {name}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {name}");
        var end = config.IndexOf("\n\n", start, StringComparison.Ordinal);
        return config[start..(end < 0 ? config.Length : end)];
    }

    [Fact]
    public void Render_ReplicaService_AsPigstyTemplate()
    {
        var section = Section(Render("pg-test.yml", "pg-test"), "pg-test-replica");

        Assert.Equal("""
            listen pg-test-replica
                bind *:5434
                mode tcp
                maxconn 5000
                balance roundrobin
                option httpchk
                option http-keep-alive
                http-check send meth OPTIONS uri /read-only
                http-check expect status 200
                default-server inter 2s fastinter 1s downinter 2s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100
                server pg-test-1 10.10.10.11:6432 check port 8008 weight 100 backup
                server pg-test-2 10.10.10.12:6432 check port 8008 weight 100
                server pg-test-3 10.10.10.13:6432 check port 8008 weight 100 backup
            """.ReplaceLineEndings("\n"), section);
    }

    [Fact]
    public void Render_GlobalsAndStats_PigstyTimeouts()
    {
        var config = Render("pg-test.yml", "pg-test");

        foreach (var line in new[] { "    mode tcp", "    retries 3", "    timeout queue 3s", "    timeout connect 3s", "    timeout check 3s",
                     "    timeout client 24h", "    timeout server 24h", "listen stats", "    bind *:9101", "    stats uri /haproxy/pg-test/" })
        {
            Assert.Contains(line + "\n", config, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Render_VipServiceAndUncheckedService_BindVipAndNoHttpchk()
    {
        var config = Render("pigsty-v1.yml", "pg-v1");

        var standby = Section(config, "pg-v1-standby");
        Assert.Contains("    bind 10.10.10.4:5435\n", standby, StringComparison.Ordinal);
        Assert.Contains("    balance leastconn\n", standby, StringComparison.Ordinal);
        Assert.Contains("    server pg-v1-1 10.10.10.21:5432 check port 8008 weight 100 backup", standby, StringComparison.Ordinal);

        var exporter = Section(config, "pg-v1-exporter");
        Assert.DoesNotContain("httpchk", exporter, StringComparison.Ordinal);
        Assert.Contains("    server pg-v1-1 10.10.10.21:9630 weight 100", exporter, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MultiLineSelector_StaysInOneCommentLine()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                  vars:
                    pg_cluster: pg-x
                    pg_services:
                      - name: x
                        port: 5500
                        selector: |
                          [? pg_role == `primary`]
            """);

        var config = HaproxyConfigRenderer.Render(topology.Clusters, topology.SourceFile, "pg-x");

        Assert.Contains("# service pg-x-x: selector \"[? pg_role == `primary`]\"\n", config, StringComparison.Ordinal);
        Assert.DoesNotContain(config.Split('\n'), line => line.StartsWith("[?", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_PostgresCheckedService_AgentOnPatroniPortWithComment()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary, pg_port: 15432, patroni_port: 18008 }
                    10.0.0.2: { pg_seq: 2, pg_role: replica }
                  vars:
                    pg_cluster: pg-x
                    pg_default_services: []
                    pg_services:
                      - { name: sql, port: 5500, dest: postgres, check: /read-only?lag=1MB, check_method: postgres, selector: "[]" }
            """);

        var config = HaproxyConfigRenderer.Render(topology.Clusters, topology.SourceFile, "pg-x");

        Assert.Equal("""
            listen pg-x-sql
                bind *:5500
                mode tcp
                maxconn 5000
                balance roundrobin
                # check_method postgres: HAProxy asks the agent on patroni_port instead
                option httpchk
                option http-keep-alive
                http-check send meth OPTIONS uri /read-only?lag=1MB
                http-check expect status 200
                default-server inter 2s fastinter 1s downinter 2s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100
                server pg-x-1 10.0.0.1:15432 check port 18008 weight 100
                server pg-x-2 10.0.0.2:5432 check port 8008 weight 100
            """.ReplaceLineEndings("\n"), Section(config, "pg-x-sql").TrimEnd('\n'));
    }

    [Fact]
    public void Render_AllBackups_AddsTheOption()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-test:
                  hosts:
                    10.10.10.11: { pg_seq: 1, pg_role: primary }
                    10.10.10.12: { pg_seq: 2, pg_role: replica }
                  vars:
                    pg_cluster: pg-test
                    pg_default_services: []
                    pg_services:
                      - { name: ro, port: 5434, selector: "[?pg_role == `replica`]", backup: "[?pg_role == `primary`]", allbackups: true, check: /replica }
                      - { name: rw, port: 5433, selector: "[?pg_role == `primary`]", check: /primary }
            """);

        var config = HaproxyConfigRenderer.Render([topology.FindCluster("pg-test")!], topology.SourceFile, "pg-test");

        Assert.Contains("    option allbackups", Section(config, "pg-test-ro"), StringComparison.Ordinal);
        Assert.DoesNotContain("allbackups", Section(config, "pg-test-rw"), StringComparison.Ordinal);
    }
}
