using Pgway.Access;

namespace Pgway.Tests.Access;

public class ConnectionUrlsTests
{
    [Fact]
    public void For_PgTest_EveryHostFormTimesEveryPort()
    {
        var cluster = TestInventories.Example("pg-test.yml").Clusters[0];

        var urls = ConnectionUrls.For(cluster, "test", "test");

        // cluster name, VIP, 3 instance names, 3 IPs × (5432, 6432, 4 services), plus 4 multi-host URLs.
        Assert.Equal(8 * 6 + 4, urls.Count);
        Assert.Contains(urls, u => u.Url == "postgres://test@pg-test:5433/test" && u.HostKind == "cluster");
        Assert.Contains(urls, u => u.Url == "postgres://test@10.10.10.3:5432/test" && u.HostKind == "vip");
        Assert.Contains(urls, u => u.Url == "postgres://test@pg-test-2:5434/test" && u.Target == "replica");
        Assert.Contains(urls, u => u.Url == "postgres://test@10.10.10.13:6432/test" && u.Target == "pgbouncer");
        Assert.Contains(urls, u => u.Url == "postgres://test@10.10.10.11:5432,10.10.10.12:5432,10.10.10.13:5432/test?target_session_attrs=primary");
        Assert.Contains(urls, u => u.Url == "postgres://test@10.10.10.11:6432,10.10.10.12:6432,10.10.10.13:6432/test?target_session_attrs=prefer-standby");
    }

    [Fact]
    public void For_ServiceBoundToVip_OnlyOnVipAndClusterName()
    {
        var cluster = TestInventories.Example("pigsty-v1.yml").Clusters[0];

        var standby = ConnectionUrls.For(cluster, "u", "d").Where(u => u.Target == "standby").Select(u => u.HostKind).ToList();

        Assert.Equal(["cluster", "vip"], standby);
    }

    [Fact]
    public void Defaults_FromInventoryUsersAndDatabases()
    {
        var withUsers = TestInventories.Example("single-node.yml").Clusters[0];
        var without = TestInventories.Example("pigsty-v1.yml").Clusters[0];

        Assert.Equal(("dbuser_meta", "meta"), (ConnectionUrls.DefaultUser(withUsers), ConnectionUrls.DefaultDatabase(withUsers)));
        Assert.Equal(("dbuser_dba", "postgres"), (ConnectionUrls.DefaultUser(without), ConnectionUrls.DefaultDatabase(without)));
    }

    [Fact]
    public void For_Ipv6Hosts_Bracketed()
    {
        var cluster = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts: { "fd00::11": { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-x }
            """).Clusters[0];

        var urls = ConnectionUrls.For(cluster, "u", "d").Select(u => u.Url).ToList();

        Assert.Contains("postgres://u@[fd00::11]:5432/d", urls);
        Assert.Contains("postgres://u@[fd00::11]:6432/d?target_session_attrs=primary", urls);
    }
}
