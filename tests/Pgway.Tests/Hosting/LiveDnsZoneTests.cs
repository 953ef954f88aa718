using System.Net;
using Pgway.Hosting;
using Pgway.Model;
using Pgway.Routing;

namespace Pgway.Tests.Hosting;

/// <summary>A cluster's DNS view from its services' snapshots: what each service would use, the primary, Consul's sets, the target.</summary>
public sealed class LiveDnsZoneTests
{
    private static Cluster Load(string vars = "") => TestInventories.Load($$"""
        all:
          children:
            pg-test:
              hosts:
                10.0.0.1: { pg_seq: 1, pg_role: primary }
                10.0.0.2: { pg_seq: 2, pg_role: replica }
                10.0.0.3: { pg_seq: 3, pg_role: replica }
              vars:
                pg_cluster: pg-test
        {{vars}}
        """).Topology!.Clusters[0];

    // The cluster's services with the members up as given (by address); the rest down.
    private static List<(Service, ServiceRouteSnapshot)> Snapshots(Cluster cluster, params (string Service, string[] Up)[] up) =>
        [.. cluster.Services.Select(s => (s, new ServiceRouteSnapshot(s.FullName, true, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, DateTimeOffset.UnixEpoch,
            [.. s.Members.Select(m => new MemberRouteSnapshot(m.Name, m.Instance.Address, m.Port, m.IsBackup,
                up.Any(u => u.Service == s.Name && u.Up.Contains(m.Instance.Address)), null, m.Weight, m.Weight, 0, 0, 0, 0, 0, 0, 0, 0, DateTimeOffset.UnixEpoch))])))];

    private static string Join(IEnumerable<IPAddress> addresses) => string.Join(',', addresses.Select(a => a.ToString()).Order(StringComparer.Ordinal));

    [Fact]
    public void View_Healthy_PrimaryReplicasAndConsulSets()
    {
        var cluster = Load();

        var view = LiveDnsZone.View(cluster, Snapshots(cluster,
            ("primary", ["10.0.0.1"]), ("replica", ["10.0.0.1", "10.0.0.2", "10.0.0.3"]), ("default", ["10.0.0.1"])));

        Assert.Equal("10.0.0.1", Join(view.Target));
        Assert.Equal("10.0.0.1", Join(view.Primary));
        // The primary is the replica service's backup: up, but not used while a replica is.
        Assert.Equal("10.0.0.2,10.0.0.3", Join(view.Services.Single(s => s.ShortName == "replica").Up));
        Assert.Equal("10.0.0.2,10.0.0.3", Join(view.Replicas));
        Assert.Equal("10.0.0.1,10.0.0.2,10.0.0.3", Join(view.Running));
        Assert.Equal(["pg-test-1", "pg-test-2", "pg-test-3"], view.EntryPoints.Select(e => e.Name));
    }

    [Fact]
    public void View_NoReplicaUp_ReplicaNameIsTheBackupConsulReplicaEmpty()
    {
        var cluster = Load();

        var view = LiveDnsZone.View(cluster, Snapshots(cluster, ("primary", ["10.0.0.1"]), ("replica", ["10.0.0.1"])));

        Assert.Equal("10.0.0.1", Join(view.Services.Single(s => s.ShortName == "replica").Up));
        Assert.Empty(view.Replicas);
    }

    [Fact]
    public void View_NoPrimaryUp_ClusterNameWithoutRecordUnlessVip()
    {
        var plain = Load();
        var withVip = Load("""
                    pg_vip_enabled: true
                    pg_vip_address: 10.0.0.9/24
            """);

        Assert.Empty(LiveDnsZone.View(plain, Snapshots(plain)).Target);
        Assert.Equal("10.0.0.9", Join(LiveDnsZone.View(withVip, Snapshots(withVip)).Target));
    }

    [Theory]
    [InlineData("primary", "10.0.0.2")]
    [InlineData("vip", "")]
    [InlineData("none", "")]
    [InlineData("10.0.0.7", "10.0.0.7")]
    public void View_Target_PerPgDnsTarget(string target, string expected)
    {
        var cluster = Load($"        pg_dns_target: '{target}'");

        var view = LiveDnsZone.View(cluster, Snapshots(cluster, ("primary", ["10.0.0.2"])));

        Assert.Equal(expected, Join(view.Target));
    }
}
