using Pgway.Agent;
using Pgway.Model;

namespace Pgway.Tests.Configuration;

/// <summary>Both of Pigsty's service schemas, and the defaults, normalise to the same model.</summary>
public class InventoryLoaderSchemaTests
{
    [Fact]
    public void Load_PgTestExample_DefaultServicesAsPigstyRendersThem()
    {
        var topology = TestInventories.Example("pg-test.yml");
        var cluster = Assert.Single(topology.Clusters);

        Assert.Equal(["pg-test-1", "pg-test-2", "pg-test-3"], cluster.Instances.Select(i => i.Name));
        Assert.Equal("10.10.10.3", cluster.Vip?.Host);
        Assert.Equal(["primary", "replica", "default", "offline"], cluster.Services.Select(s => s.Name));

        var primary = topology.Service("pg-test-primary");
        Assert.Equal((Service.AnyAddress, 5433, "pgbouncer", "/primary"), (primary.Bind, primary.Port, primary.Destination.ToString(), primary.Check.Path));
        Assert.Equal(["pg-test-1", "pg-test-2", "pg-test-3"], primary.Active());
        Assert.All(primary.Members, m => Assert.Equal((6432, 8008, 100), (m.Port, m.CheckPort!.Value, m.Weight)));

        var replica = topology.Service("pg-test-replica");
        Assert.Equal(["pg-test-2"], replica.Active());
        Assert.Equal(["pg-test-1", "pg-test-3"], replica.Backups());
        Assert.Equal(["pg-test-1", "pg-test-2", "pg-test-3"], replica.Members.Select(m => m.Name));

        var @default = topology.Service("pg-test-default");
        Assert.Equal((5436, 5432), (@default.Port, @default.Members[0].Port));

        var offline = topology.Service("pg-test-offline");
        Assert.Equal(["pg-test-3"], offline.Active());
        Assert.Equal(["pg-test-2"], offline.Backups());
        Assert.Equal("/replica", offline.Check.Path);
    }

    [Fact]
    public void Load_V2Defaults_MaxconnOptionsAndCheckAsPigsty()
    {
        var service = TestInventories.Example("pg-test.yml").Service("pg-test-replica");

        Assert.Equal(ServiceSchema.V2, service.Schema);
        Assert.Equal(5000, service.MaxConn);
        Assert.Equal(BalanceAlgorithm.RoundRobin, service.Balance);
        Assert.Equal(("OPTIONS", 200, "patroni"), (service.Check.Method, service.Check.ExpectedStatus, service.Check.Port!.ToString()));
        Assert.Equal(TimeSpan.FromSeconds(2), service.Options.Inter);
        Assert.Equal(MarkedDownAction.ShutdownSessions, service.Options.OnMarkedDown);
    }

    [Fact]
    public void Load_V1Example_ExtrasAfterV1DefaultsWithHaproxyBlockAndVip()
    {
        var topology = TestInventories.Example("pigsty-v1.yml");
        var cluster = Assert.Single(topology.Clusters);

        Assert.Equal(["primary", "replica", "default", "offline", "standby", "exporter"], cluster.Services.Select(s => s.Name));
        Assert.All(cluster.Services, s => Assert.Equal(ServiceSchema.V1, s.Schema));
        Assert.Equal(3000, topology.Service("pg-v1-primary").MaxConn);
        Assert.Equal(TimeSpan.FromSeconds(5), topology.Service("pg-v1-primary").Options.DownInter);

        var standby = topology.Service("pg-v1-standby");
        Assert.Equal(("10.10.10.4", 5435, 5432), (standby.Bind, standby.Port, standby.Members[0].Port));
        Assert.Equal("/read-only-sync", standby.Check.Path);
        Assert.Equal((1000, BalanceAlgorithm.LeastConn), (standby.MaxConn, standby.Balance));
        Assert.Equal((2, 2, TimeSpan.FromMilliseconds(500)), (standby.Options.Rise, standby.Options.Fall, standby.Options.FastInter));
        Assert.Equal(["pg-v1-2", "pg-v1-3"], standby.Active());
        Assert.Equal(["pg-v1-1"], standby.Backups());

        var exporter = topology.Service("pg-v1-exporter");
        Assert.Equal(HealthCheckKind.None, exporter.Check.Kind);
        Assert.Equal((9630, (int?)null), (exporter.Members[0].Port, exporter.Members[0].CheckPort));
    }

    [Fact]
    public void Load_CustomServices_ExtrasAfterDefaultsAndInstanceWeights()
    {
        var topology = TestInventories.Example("custom-services.yml");

        var standby = topology.Service("pg-test-standby");
        Assert.Equal(("/read-only-sync", 5435), (standby.Check.Path, standby.Port));
        Assert.Equal(["pg-test-2", "pg-test-3"], standby.Active());
        Assert.Equal(["pg-test-1"], standby.Backups());

        var fresh = topology.Service("pg-test-fresh");
        Assert.Equal(("/replica?lag=1MB", BalanceAlgorithm.LeastConn), (fresh.Check.Path, fresh.Balance));
        Assert.Equal(MarkedUpAction.ShutdownBackupSessions, fresh.Options.OnMarkedUp);
        Assert.Equal([100, 50], fresh.Members.Select(m => m.Weight));

        // pg_offline_query puts a replica in the offline service while it stays in the replica one.
        Assert.Equal(["pg-test-3"], topology.Service("pg-test-offline").Active());
        Assert.Equal(["pg-test-2", "pg-test-3"], topology.Service("pg-test-replica").Active());

        var delayed = topology.Service("pg-test-delay-delayed");
        Assert.Equal(("/standby-leader", 5440), (delayed.Check.Path, delayed.Port));
        Assert.Equal(InstanceRole.Primary, topology.FindCluster("pg-test-delay")!.Instances[0].Role);
    }

    [Fact]
    public void Load_DestDefault_FollowsPgDefaultServiceDest()
    {
        var topology = TestInventories.LoadValid("""
            all:
              vars: { pg_default_service_dest: postgres }
              children:
                pg-x:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary, pg_port: 15432 } }
                  vars: { pg_cluster: pg-x }
            """);

        var primary = topology.Service("pg-x-primary");
        Assert.Equal("postgres", primary.Destination.ToString());
        Assert.Equal(15432, primary.Members[0].Port);
    }

    [Fact]
    public void Load_Variables_HostOverClusterOverGlobal()
    {
        var topology = TestInventories.LoadValid("""
            all:
              vars: { pgbouncer_port: 1001, patroni_port: 1002, pg_exporter_port: 1003 }
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary, patroni_port: 3002 }
                    10.0.0.2: { pg_seq: 2, pg_role: replica }
                  vars: { pg_cluster: pg-x, pgbouncer_port: 2001, patroni_port: 2002 }
            """);

        var instances = topology.Clusters[0].Instances;
        Assert.Equal((2001, 3002, 1003), (instances[0].PgbouncerPort, instances[0].PatroniPort, instances[0].PgExporterPort));
        Assert.Equal((2001, 2002, 1003), (instances[1].PgbouncerPort, instances[1].PatroniPort, instances[1].PgExporterPort));
        Assert.Equal([3002, 2002], topology.Service("pg-x-primary").Members.Select(m => m.CheckPort!.Value));
    }

    [Fact]
    public void Load_HostInSeveralGroups_VariablesUnited()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                infra:
                  hosts: { 10.0.0.1: { infra_seq: 1 } }
                pg-meta:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-meta }
                etcd:
                  hosts: { 10.0.0.9: { etcd_seq: 1 } }
                  vars: { etcd_cluster: etcd }
            """);

        var cluster = Assert.Single(topology.Clusters);
        var instance = Assert.Single(cluster.Instances);
        Assert.Equal(1, (int)instance.Variables["infra_seq"]!);
    }

    [Fact]
    public void Load_NestedGroups_ChildInheritsParentVariables()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                prod:
                  vars: { pg_default_service_dest: postgres }
                  children:
                    pg-x:
                      hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                      vars: { pg_cluster: pg-x }
            """);

        Assert.Equal(5432, topology.Service("pg-x-primary").Members[0].Port);
    }

    [Fact]
    public void Load_EmptyServiceList_OnlyDefaults()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-x, pg_services: [] }
            """);

        Assert.Equal(4, topology.Clusters[0].Services.Length);
    }

    [Fact]
    public void Load_OwnDefaultList_ReplacesPigstyDefaults()
    {
        var topology = TestInventories.LoadValid("""
            all:
              vars:
                pg_default_services:
                  - { name: rw, port: 6543, dest: postgres, check: /primary, selector: "[]" }
              children:
                pg-x:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-x }
            """);

        var service = Assert.Single(topology.Clusters[0].Services);
        Assert.Equal(("pg-x-rw", 6543), (service.FullName, service.Port));
    }

    [Fact]
    public void Load_BackupOnlyInstances_FollowAsBackupsInInventoryOrder()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                    10.0.0.2: { pg_seq: 2, pg_role: replica }
                    10.0.0.3: { pg_seq: 3, pg_role: replica }
                    10.0.0.4: { pg_seq: 4, pg_role: offline }
                  vars:
                    pg_cluster: pg-x
                    pg_services:
                      - { name: ro, port: 5500, selector: "[? pg_role == `replica` || pg_seq == `4`]", backup: "[? pg_role != `replica`]" }
            """);

        var service = topology.Service("pg-x-ro");
        Assert.Equal(["pg-x-2", "pg-x-3", "pg-x-4", "pg-x-1"], service.Members.Select(m => m.Name));
        Assert.Equal([false, false, true, true], service.Members.Select(m => m.IsBackup));
    }

    [Fact]
    public void Load_HostInTwoGroups_GlobalsNeverOverrideGroupVariables()
    {
        var topology = TestInventories.LoadValid("""
            all:
              vars: { pg_port: 5432 }
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                    10.0.0.2: { pg_seq: 2, pg_role: replica }
                  vars: { pg_cluster: pg-x, pg_port: 5555 }
                zinfra:
                  hosts: { 10.0.0.1: {} }
            """);

        Assert.Equal([5555, 5555], topology.Clusters[0].Instances.Select(i => i.PgPort));
    }

    [Fact]
    public void Load_SameDepthGroups_LaterNameWins()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-x, pg_weight: 20 }
                a-group:
                  hosts: { 10.0.0.1: {} }
                  vars: { pg_weight: 10 }
            """);

        // Ansible applies groups of equal depth by name: a-group, then pg-x.
        Assert.Equal(20, topology.Clusters[0].Instances[0].Weight);
    }

    [Fact]
    public void Load_VipExplicitlyDisabled_NoVipEvenWithV1Address()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-x, pg_vip_enabled: false, vip_address: 10.0.0.4 }
            """);

        Assert.Null(topology.Clusters[0].Vip);
    }

    [Theory]
    [InlineData("pg_services_extra", "{ name: s, src_port: 5500, dst_port: postgres, check_method: postgres, check_url: /read-only?lag=1MB, selector: \"[]\" }", nameof(HealthCheckKind.Postgres))]
    [InlineData("pg_services_extra", "{ name: s, src_port: 5500, dst_port: postgres, check_method: http, check_url: /read-only?lag=1MB, selector: \"[]\" }", nameof(HealthCheckKind.Http))]
    [InlineData("pg_services", "{ name: s, port: 5500, dest: postgres, check_method: postgres, check: /read-only?lag=1MB, selector: \"[]\" }", nameof(HealthCheckKind.Postgres))]
    [InlineData("pg_services", "{ name: s, port: 5500, dest: postgres, check_method: http, check: /read-only?lag=1MB, selector: \"[]\" }", nameof(HealthCheckKind.Http))]
    [InlineData("pg_services", "{ name: s, port: 5500, dest: postgres, check: /read-only?lag=1MB, selector: \"[]\" }", nameof(HealthCheckKind.Http))]
    public void Load_CheckMethod_KindAndCheckPortPerSchema(string list, string service, string kindName)
    {
        var kind = Enum.Parse<HealthCheckKind>(kindName);
        var topology = TestInventories.LoadValid($"""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: {"{"} pg_seq: 1, pg_role: primary, pg_port: 15432, patroni_port: 18008 {"}"}
                    10.0.0.2: {"{"} pg_seq: 2, pg_role: replica {"}"}
                  vars:
                    pg_cluster: pg-x
                    {list}:
                      - {service}
            """);

        var checkedService = topology.Service("pg-x-s");
        Assert.Equal((kind, "/read-only?lag=1MB", 200), (checkedService.Check.Kind, checkedService.Check.Path, checkedService.Check.ExpectedStatus));
        // A SQL check goes to each member's pg_port; an HTTP one to its patroni_port.
        int[] expectedPorts = kind == HealthCheckKind.Postgres ? [15432, 5432] : [18008, 8008];
        Assert.Equal(expectedPorts, checkedService.Members.Select(m => m.CheckPort!.Value));
        Assert.Equal(HealthCheckKind.Http, topology.Service("pg-x-primary").Check.Kind);
    }

    [Fact]
    public void Load_PgTagsMapping_TagsForTheAgent()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                    10.0.0.2: { pg_seq: 2, pg_role: replica, pg_tags: { noloadbalance: true, zone: East } }
                  vars: { pg_cluster: pg-x }
            """);

        var instances = topology.Clusters[0].Instances;
        var tags = InstanceSettings.Tags(instances[1]);
        Assert.True(tags.NoLoadBalance);
        Assert.Equal("East", tags.ComparableValue("zone"));
        Assert.Empty(InstanceSettings.Tags(instances[0]).Values);
    }
}
