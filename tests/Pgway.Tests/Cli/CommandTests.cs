using System.Text.Json;

namespace Pgway.Tests.Cli;

public class CommandTests
{
    private static readonly string PgTest = TestInventories.ExamplePath("pg-test.yml");

    [Fact]
    public async Task Check_ValidInventory_ExitZeroWithSummary()
    {
        var (code, output, _) = await CliRunner.RunAsync("check", "-c", PgTest);

        Assert.Equal(0, code);
        Assert.Contains("OK — 1 cluster, 3 instances, 4 services", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://root:s3cret-pw@10.10.10.10:2379", "check")]
    [InlineData("http://root:s3cret-pw@10.10.10.10:2379", "services")]
    [InlineData("http://root:s3cret-pw@10.10.10.10:2379", "urls")]
    [InlineData("ftp://root:s3cret-pw@10.10.10.10:2379", "check")]
    public async Task Commands_EtcdEndpointWithCredentials_PasswordNeverPrinted(string endpoint, string command)
    {
        var file = Path.Combine(Path.GetTempPath(), $"pgway-dcs-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, $$"""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                  vars:
                    pg_cluster: pg-x
                    pg_dcs: { type: etcd, endpoints: [ '{{endpoint}}' ] }
            """);
        try
        {
            var (_, output, error) = await CliRunner.RunAsync(command, "-c", file);

            Assert.DoesNotContain("s3cret", output + error, StringComparison.Ordinal);
            if (endpoint.StartsWith("ftp", StringComparison.Ordinal))
            {
                Assert.Contains("root:***@10.10.10.10", error, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Check_InvalidInventory_ExitOneWithEveryErrorAndLine()
    {
        var file = Path.Combine(Path.GetTempPath(), $"pgway-check-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, """
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                  vars:
                    pg_cluster: pg-x
                    pg_services:
                      - { name: x, port: 5500, selector: "[? pg_role == ]" }
                      - { name: y, port: 5501, selector: "[]", dest: nowhere }
            """);
        try
        {
            var (code, _, error) = await CliRunner.RunAsync("check", "-c", file);

            Assert.Equal(1, code);
            Assert.Contains($"{file}:9:", error, StringComparison.Ordinal);
            Assert.Contains($"{file}:10:", error, StringComparison.Ordinal);
            Assert.Contains("2 errors", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Services_Table_ShowsMembersAndBackups()
    {
        var (code, output, _) = await CliRunner.RunAsync("services", "-c", PgTest);

        Assert.Equal(0, code);
        var replica = output.Split('\n').Single(l => l.Contains("pg-test-replica", StringComparison.Ordinal));
        Assert.Contains("│ pg-test-2 ", replica, StringComparison.Ordinal);
        Assert.Contains("│ pg-test-1, pg-test-3 ", replica, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Services_Json_ParsesWithMembers()
    {
        var (code, output, _) = await CliRunner.RunAsync("services", "-c", PgTest, "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var offline = json.RootElement.EnumerateArray().Single(s => s.GetProperty("fullName").GetString() == "pg-test-offline");
        Assert.Equal(5438, offline.GetProperty("port").GetInt32());
        var members = offline.GetProperty("members").EnumerateArray().Select(m => (m.GetProperty("name").GetString(), m.GetProperty("backup").GetBoolean())).ToList();
        Assert.Equal([("pg-test-3", false), ("pg-test-2", true)], members);
    }

    [Fact]
    public async Task Services_UnknownCluster_DidYouMean()
    {
        var (code, _, error) = await CliRunner.RunAsync("services", "-c", PgTest, "--cluster", "pg-tset");

        Assert.Equal(1, code);
        Assert.Contains("no cluster 'pg-tset'", error, StringComparison.Ordinal);
        Assert.Contains("did you mean 'pg-test'?", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Urls_Json_HasMultiHostUrlsForChosenUser()
    {
        var (code, output, _) = await CliRunner.RunAsync("urls", "-c", PgTest, "--json", "--user", "dbuser_dba", "--db", "postgres");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var urls = json.RootElement[0].GetProperty("urls").EnumerateArray().Select(u => u.GetProperty("url").GetString()).ToList();
        Assert.Contains("postgres://dbuser_dba@10.10.10.11:6432,10.10.10.12:6432,10.10.10.13:6432/postgres?target_session_attrs=primary", urls);
    }

    [Fact]
    public async Task Urls_Table_ListsUsersWithoutPasswords()
    {
        var (code, output, _) = await CliRunner.RunAsync("urls", "-c", TestInventories.ExamplePath("single-node.yml"));

        Assert.Equal(0, code);
        Assert.Contains("postgres://dbuser_meta@pg-meta:5433/meta", output, StringComparison.Ordinal);
        Assert.Contains("Users: dbuser_meta, dbuser_view, dbuser_dba", output, StringComparison.Ordinal);
        Assert.DoesNotContain("DBUser.Meta", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderHaproxy_SeveralClustersWithoutChoice_AsksForOne()
    {
        var (code, _, error) = await CliRunner.RunAsync("render", "haproxy", "-c", TestInventories.ExamplePath("custom-services.yml"));

        Assert.Equal(1, code);
        Assert.Contains("choose one with --cluster, or a node with --node", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderHaproxy_Node_OnlyItsClusters()
    {
        var (code, output, _) = await CliRunner.RunAsync("render", "haproxy", "-c", TestInventories.ExamplePath("custom-services.yml"), "--node", "10.10.10.14");

        Assert.Equal(0, code);
        Assert.Contains("listen pg-test-delay-delayed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("listen pg-test-primary", output, StringComparison.Ordinal);
    }

    // Before: the stats page listened on every address with no stats auth, whatever the inventory's credentials.
    [Theory]
    [InlineData("haproxy_admin_username: admin, haproxy_admin_password: pigsty", "    stats auth admin:pigsty\n")]
    [InlineData("haproxy_admin_username: admin, haproxy_admin_password: 'p a#s\\s\"q''x'", "    stats auth admin:p\\ a\\#s\\\\s\\\"q\\'x\n")]
    [InlineData("haproxy_admin_username: admin, haproxy_admin_password: pigsty, haproxy_auth_enabled: false", "")]
    [InlineData("", "")]
    public async Task RenderHaproxy_AdminCredentials_StatsPageAsksForThem(string variables, string authLine)
    {
        var file = Path.Combine(Path.GetTempPath(), $"pgway-render-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, $$"""
            all:
              children:
                pg-x:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-x, pg_default_services: [], haproxy_exporter_port: 9101{{(variables.Length == 0 ? "" : ", " + variables)}} }
            """);
        try
        {
            var (code, output, error) = await CliRunner.RunAsync("render", "haproxy", "-c", file, "--node", "10.0.0.1");

            Assert.True(code == 0, error);
            var stats = output[output.IndexOf("listen stats\n", StringComparison.Ordinal)..];
            Assert.Equal(
                "listen stats\n" +
                "    bind *:9101\n" +
                "    mode http\n" +
                "    stats enable\n" +
                "    stats uri /haproxy/10.0.0.1/\n" +
                "    stats refresh 30s\n" +
                authLine, stats);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task RenderHaproxy_UnknownNode_Error()
    {
        var (code, _, error) = await CliRunner.RunAsync("render", "haproxy", "-c", PgTest, "--node", "10.9.9.9");

        Assert.Equal(1, code);
        Assert.Contains("no instance of any cluster is on node '10.9.9.9'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderPgService_EntryPerService()
    {
        var (code, output, _) = await CliRunner.RunAsync("render", "pgservice", "-c", PgTest);

        Assert.Equal(0, code);
        Assert.Contains("[pg-test-primary]", output, StringComparison.Ordinal);
    }
}
