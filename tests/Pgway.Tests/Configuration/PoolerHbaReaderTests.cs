using Pgway.Configuration;
using Pgway.Model;
using Pgway.Pooling;

namespace Pgway.Tests.Configuration;

/// <summary>
/// pgb_hba.conf as Pigsty renders it. The expected files are the output of Pigsty's own template
/// (pgsql role, v4.5; postgres role, v1.5) for the same inventory, after pgway's two header lines.
/// </summary>
public class PoolerHbaReaderTests
{
    // Every address alias, auth alias, a role of each kind, orders before, among and after Pigsty's defaults.
    private const string AllAliases = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 }, 10.10.10.9: {} } }
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
                10.10.10.13: { pg_seq: 3, pg_role: offline, pg_offline_query: true }
              vars:
                pg_cluster: pg-test
                pgb_hba_rules:
                  - { user: dbuser_app, db: app, addr: world, auth: ssl, title: 'app from anywhere over tls' }
                  - { user: bob, addr: 10.1.2.3/32, auth: deny, title: 'no bob', order: 50 }
                  - { user: '${repl}', db: meta, addr: cluster, auth: md5, title: 'cluster', role: replica }
                  - { addr: infra, auth: sha, title: 'infra', role: offline }
                  - { addr: admin, auth: trust, title: 'admin node', role: primary, order: 120 }
                  - { addr: intranet, auth: ssl-md5, role: common }
                  - { addr: all, auth: ssl-sha, title: 'all', order: 1000 }
                  - { title: raw, role: primary, rules: [ 'host all carol 10.9.0.0/16 md5', 'hostssl all dave 10.8.0.0/16 scram-sha-256' ] }
                  - { user: '${dbsu}', addr: localhost, auth: os, title: ident }
                  - { user: eve, db: x, addr: local, auth: ident, title: lo }
                  - { user: '${admin}', addr: 192.168.9.0/24, auth: reject, title: r }
                  - { user: '${monitor}', addr: intra, auth: scram-sha-256, title: t, order: 0 }
          vars:
            admin_ip: 10.10.10.10
        """;

    private static string Expected(string raw) => raw.Replace("$\n", "\n", StringComparison.Ordinal) + "\n";

    private static Instance Instance(Topology topology, string address) => topology.Clusters.SelectMany(c => c.Instances).Single(i => i.Address == address);

    private static string Rendered(string yaml, string address) => Instance(TestInventories.LoadValid(yaml), address).PoolerHba.Text;

    private static string Cluster(string vars, string hosts = "10.10.10.11: { pg_seq: 1, pg_role: primary }") => $$"""
        all:
          children:
            pg-test:
              hosts: { {{hosts}} }
              vars:
                pg_cluster: pg-test
        {{string.Join('\n', vars.Split('\n').Select(line => "        " + line))}}
        """;

    [Fact]
    public void Read_EveryAlias_AsPigstyRendersIt()
    {
        Assert.Equal(Expected("""
            # pgb_hba.conf of pg-test-1 [primary] @ 10.10.10.11:6432
            # rendered by pgway from the inventory as Pigsty renders it; the pooler enforces it when auth_type is hba

            # addr alias
            # local     : /var/run/postgresql
            # admin     : 10.10.10.10
            # infra     : 10.10.10.10, 10.10.10.9
            # intra     : 10.0.0.0/8, 192.168.0.0/16, 172.16.0.0/12
            # cluster   : 10.10.10.11, 10.10.10.12, 10.10.10.13

            # user alias
            # dbsu    :  postgres
            # repl    :  replicator
            # monitor :  dbuser_monitor
            # admin   :  dbuser_dba

            # t [default] $
            host     all                dbuser_monitor     10.0.0.0/8         scram-sha-256
            host     all                dbuser_monitor     192.168.0.0/16     scram-sha-256
            host     all                dbuser_monitor     172.16.0.0/12      scram-sha-256

            # no bob [default] $
            host     all                bob                10.1.2.3/32        reject

            # dbsu local admin access with os ident [default] $
            local    pgbouncer          postgres                              peer

            # admin node [primary] $
            host     all                all                10.10.10.10/32     trust

            # allow all user local access with pwd [default] $
            local    all                all                                   scram-sha-256
            host     all                all                127.0.0.1/32       scram-sha-256
            host     all                all                ::1/128            scram-sha-256

            # monitor access via intranet with pwd [default] $
            host     pgbouncer          dbuser_monitor     10.0.0.0/8         scram-sha-256
            host     pgbouncer          dbuser_monitor     192.168.0.0/16     scram-sha-256
            host     pgbouncer          dbuser_monitor     172.16.0.0/12      scram-sha-256

            # reject all other monitor access addr [default] $
            host     all                dbuser_monitor     0.0.0.0/0 reject
            host     all                dbuser_monitor     ::/0      reject

            # admin access via intranet with pwd [default] $
            host     all                dbuser_dba         10.0.0.0/8         scram-sha-256
            host     all                dbuser_dba         192.168.0.0/16     scram-sha-256
            host     all                dbuser_dba         172.16.0.0/12      scram-sha-256

            # reject all other admin access addr [default] $
            host     all                dbuser_dba         0.0.0.0/0 reject
            host     all                dbuser_dba         ::/0      reject

            # allow all user intra access with pwd [default] $
            host     all                all                10.0.0.0/8         scram-sha-256
            host     all                all                192.168.0.0/16     scram-sha-256
            host     all                all                172.16.0.0/12      scram-sha-256

            # all [default] $
            hostssl  all                all                0.0.0.0/0 scram-sha-256
            hostssl  all                all                ::/0      scram-sha-256

            # app from anywhere over tls [default] $
            hostssl  app                dbuser_app         0.0.0.0/0 scram-sha-256
            hostssl  app                dbuser_app         ::/0      scram-sha-256

            # cluster [replica] [DISABLED]
            #host     meta               replicator         10.10.10.11/32     md5
            #host     meta               replicator         10.10.10.12/32     md5
            #host     meta               replicator         10.10.10.13/32     md5

            # infra [offline] [DISABLED]
            #host     all                all                10.10.10.10/32     scram-sha-256
            #host     all                all                10.10.10.9/32      scram-sha-256

            #  [common] $
            hostssl  all                all                10.0.0.0/8         md5
            hostssl  all                all                192.168.0.0/16     md5
            hostssl  all                all                172.16.0.0/12      md5

            # raw [primary] $
            host all carol 10.9.0.0/16 md5
            hostssl all dave 10.8.0.0/16 scram-sha-256

            # ident [default] $
            local    all                postgres                              peer
            host     all                postgres           127.0.0.1/32       peer
            host     all                postgres           ::1/128            peer

            # lo [default] $
            local    x                  eve                                   peer

            # r [default] $
            host     all                dbuser_dba         192.168.9.0/24     reject

            """), Rendered(AllAliases, "10.10.10.11"));
    }

    [Theory]
    [InlineData("10.10.10.12", "# cluster [replica] $\nhost     meta               replicator         10.10.10.11/32     md5", "# admin node [primary] [DISABLED]\n#host     all                all                10.10.10.10/32     trust")]
    [InlineData("10.10.10.12", "# raw [primary] [DISABLED]\n#host all carol 10.9.0.0/16 md5\n#hostssl all dave", "# infra [offline] [DISABLED]\n#host")]
    [InlineData("10.10.10.13", "# infra [offline] $\nhost     all                all                10.10.10.10/32     scram-sha-256\nhost     all                all                10.10.10.9/32      scram-sha-256", "# cluster [replica] [DISABLED]\n#host")]
    public void Read_RulesOfAnotherRole_LeftInAsComments(string address, string present, string alsoPresent)
    {
        var text = Rendered(AllAliases, address);

        Assert.Contains(Expected(present)[..^1], text, StringComparison.Ordinal);
        Assert.Contains(Expected(alsoPresent)[..^1], text, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OfflineRuleOnAReplicaWithOfflineQuery_Enabled()
    {
        var text = Rendered(Cluster("pgb_hba_rules: [ { addr: 10.5.0.0/16, title: etl, role: offline } ]", "10.10.10.12: { pg_seq: 2, pg_role: replica, pg_offline_query: true }"), "10.10.10.12");

        Assert.Contains("# etl [offline] \nhost     all                all                10.5.0.0/16        scram-sha-256\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoRulesInTheInventory_PigstysDefaultRules()
    {
        var text = Rendered(Cluster("pg_pwd_enc: md5"), "10.10.10.11");

        Assert.EndsWith(Expected("""
            # dbsu local admin access with os ident [default] $
            local    pgbouncer          postgres                              peer

            # allow all user local access with pwd [default] $
            local    all                all                                   md5
            host     all                all                127.0.0.1/32       md5
            host     all                all                ::1/128            md5

            # monitor access via intranet with pwd [default] $
            host     pgbouncer          dbuser_monitor     10.0.0.0/8         md5
            host     pgbouncer          dbuser_monitor     192.168.0.0/16     md5
            host     pgbouncer          dbuser_monitor     172.16.0.0/12      md5

            # reject all other monitor access addr [default] $
            host     all                dbuser_monitor     0.0.0.0/0 reject
            host     all                dbuser_monitor     ::/0      reject

            # admin access via intranet with pwd [default] $
            host     all                dbuser_dba         10.0.0.0/8         md5
            host     all                dbuser_dba         192.168.0.0/16     md5
            host     all                dbuser_dba         172.16.0.0/12      md5

            # reject all other admin access addr [default] $
            host     all                dbuser_dba         0.0.0.0/0 reject
            host     all                dbuser_dba         ::/0      reject

            # allow all user intra access with pwd [default] $
            host     all                all                10.0.0.0/8         md5
            host     all                all                192.168.0.0/16     md5
            host     all                all                172.16.0.0/12      md5

            """), text);
    }

    [Fact]
    public void Read_OwnDefaultsAndIntranet_ReplacePigstys()
    {
        var text = Rendered(Cluster("""
            node_firewall_intranet: [ 10.20.0.0/16 ]
            pg_monitor_username: mon
            pgb_default_hba_rules: [ { user: '${monitor}', addr: intra, title: only } ]
            """), "10.10.10.11");

        Assert.EndsWith("# monitor :  mon\n# admin   :  dbuser_dba\n\n# only [default] \nhost     all                mon                10.20.0.0/16       scram-sha-256\n\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OrderedRulesFirstByOrder_OthersAfterInListOrder()
    {
        var text = Rendered(Cluster("""
            pgb_default_hba_rules: [ { addr: 10.0.0.3/32, title: c, order: 300 }, { addr: 10.0.0.9/32, title: x } ]
            pgb_hba_rules: [ { addr: 10.0.0.8/32, title: y }, { addr: 10.0.0.1/32, title: a, order: 5 }, { addr: 10.0.0.2/32, title: b, order: 300 } ]
            """), "10.10.10.11");

        var titles = text.Split('\n').Where(l => l.StartsWith("# ", StringComparison.Ordinal) && l.EndsWith("[default] ", StringComparison.Ordinal)).Select(l => l[2..3]);
        Assert.Equal(["a", "c", "b", "x", "y"], titles);
    }

    [Fact]
    public void Read_V1Variables_AsPigstyV1RendersThem()
    {
        var text = Rendered("""
            all:
              children:
                pg-test:
                  hosts:
                    10.10.10.11: { pg_seq: 1, pg_role: primary }
                    10.10.10.12: { pg_seq: 2, pg_role: replica }
                  vars:
                    pg_cluster: pg-test
                    pg_monitor_username: mon
                    pgbouncer_hba_rules:
                      - title: local password access
                        role: common
                        rules:
                          - local  all          all                                     md5
                          - host   all          all                     127.0.0.1/32    md5
                      - title: replica only
                        role: replica
                        rules:
                          - host all all 10.1.0.0/16 md5
                      - title: primary only
                        role: primary
                        rules:
                          - host all all 10.2.0.0/16 md5
                    pgbouncer_hba_rules_extra:
                      - title: extra common
                        role: common
                        rules:
                          - host all bob 0.0.0.0/0 reject
                      - title: extra replica
                        role: replica
                        rules:
                          - host all alice 10.3.0.0/16 md5
            """, "10.10.10.12");

        Assert.Equal(Expected("""
            # pgb_hba.conf of pg-test-2 [replica] @ 10.10.10.12:6432
            # rendered by pgway from the inventory as Pigsty renders it; the pooler enforces it when auth_type is hba

            #==============================================================#
            # Default HBA
            #==============================================================#
            # local dbsu quick access
            local  pgbouncer postgres                                       peer

            # local all password access (for biz user test)
            local   all     all                                             md5
            host    all     all                         127.0.0.1/32        md5

            # monitor user intranet access to pgbouncer stats
            host   pgbouncer    mon   10.0.0.0/8      md5
            host   all          mon   0.0.0.0/0       reject

            # admin user have intranet access to pgbouncer admin
            host   pgbouncer    dbuser_dba     10.0.0.0/8      md5
            host   all          dbuser_dba     0.0.0.0/0       reject

            #==============================================================#
            # Common HBA
            #==============================================================#
            #  local password access
            local  all          all                                     md5
            host   all          all                     127.0.0.1/32    md5



            #==============================================================#
            # replica HBA
            #==============================================================#
            #  replica only
            host all all 10.1.0.0/16 md5


            #==============================================================#
            # Extra HBA
            #==============================================================#
            # add extra hba rules here

            #  extra common
            host all bob 0.0.0.0/0 reject


            #  extra replica
            host all alice 10.3.0.0/16 md5


            #==============================================================#
            # Ad Hoc HBA
            #==============================================================#
            # manual maintained hba rules
            """), text);
    }

    [Fact]
    public void Read_V1ExtraOnly_V1DefaultRules()
    {
        var text = Rendered(Cluster("pgbouncer_hba_rules_extra: []"), "10.10.10.11");

        Assert.Contains("#  intranet password access\nhost   all          all                     10.0.0.0/8      md5\n", text, StringComparison.Ordinal);
        Assert.Contains("host   all          dbuser_dba     0.0.0.0/0       reject\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pgb_hba_rules: [ { addr: world, auth: pwdd } ]", 7, "auth 'pwdd' is not one of")]
    [InlineData("pgb_hba_rules: [ { addr: wrld } ]", 7, "addr 'wrld' is not one of local, localhost, admin, infra, cluster, intra, intranet, world, all nor an IPv4 address or CIDR")]
    [InlineData("pgb_hba_rules: [ { addr: 'fe80::/10' } ]", 7, "addr 'fe80::/10' is not one of")]
    [InlineData("pgb_hba_rules: [ { addr: world, role: primry } ]", 7, "role 'primry' is not one of default, common, primary")]
    [InlineData("pgb_hba_rules: [ { addr: world, db: replication } ]", 7, "db: replication is not allowed")]
    [InlineData("pgb_hba_rules: [ { user: bob, title: nothing } ]", 7, "needs addr (with user, db, auth) or rules")]
    [InlineData("pgb_hba_rules: [ { addr: world, order: first } ]", 7, "order must be a whole number")]
    [InlineData("pgb_hba_rules: [ { addr: admin } ]", 7, "addr 'admin' needs admin_ip")]
    [InlineData("pgb_hba_rules: [ { addr: world, user: [a, b] } ]", 7, "user must be text")]
    [InlineData("pgb_hba_rules: [ { rules: 'host all all all md5' } ]", 7, "rules must be a list")]
    [InlineData("pgb_hba_rules: [ 'host all all all md5' ]", 7, "each entry of pgb_hba_rules must be a mapping")]
    [InlineData("pgb_hba_rules: { addr: world }", 7, "pgb_hba_rules must be a list")]
    [InlineData("pgbouncer_hba_rules: [ { title: x, rules: [ 'host all all all md5' ] } ]", 7, "needs role: common")]
    public void Load_RuleThatPigstyRefuses_ErrorAtItsLine(string vars, int line, string expected)
    {
        var result = TestInventories.Load(Cluster(vars));

        var error = result.Single(expected);
        Assert.True(error.IsError);
        Assert.Equal((TestInventories.File, line), (error.Location.File, error.Location.Line));
    }

    [Theory]
    [InlineData("pgb_hba_rules: [ { user: '+dbrole_readonly', addr: intra } ]", "user '+dbrole_readonly' is not supported")]
    [InlineData("pgb_hba_rules: [ { user: bob, addr: world, auth: cert } ]", "'cert' (TLS client certificates) is not supported by pgway yet")]
    [InlineData("pgb_hba_rules: [ { addr: 10.0.0.1 } ]", "address '10.0.0.1' needs a mask column")]
    [InlineData("pgb_hba_rules: [ { addr: 10.0.0.999/32 } ]", "'10.0.0.999/32' is not a valid CIDR network")]
    [InlineData("pgb_hba_rules: [ { addr: localhost, auth: ident } ]", "method 'peer' works only for 'local' connections")]
    [InlineData("pgb_hba_rules: [ { title: raw, rules: [ 'host all all samenet md5' ] } ]", "address 'samenet' is not supported")]
    [InlineData("pgbouncer_hba_rules: [ { role: common, rules: [ 'host all all 10.0.0.0/8 md6' ] } ]", "authentication method 'md6' is not one of")]
    public void Check_RuleThePoolerCannotEnforce_ErrorAtItsLine(string vars, string expected)
    {
        var topology = TestInventories.LoadValid(Cluster(vars));

        var error = Assert.Single(PoolerSetup.Check(topology), d => d.Message.Contains(expected, StringComparison.Ordinal));
        Assert.True(error.IsError);
        Assert.Equal((TestInventories.File, 7), (error.Location.File, error.Location.Line));
    }

    [Fact]
    public void Check_OwnHbaFileOrAnotherAuthType_RenderedRulesNotUsed()
    {
        const string Bad = "pgb_hba_rules: [ { user: '+group', addr: intra } ]";

        Assert.Empty(PoolerSetup.Check(TestInventories.LoadValid(Cluster(Bad + "\npgbouncer_auth_type: scram-sha-256"))));
        Assert.Empty(PoolerSetup.Check(TestInventories.LoadValid(Cluster(Bad + "\npgbouncer_auth_hba_file: pgb_hba.conf"))));
        Assert.NotEmpty(PoolerSetup.Check(TestInventories.LoadValid(Cluster(Bad))));
    }

    [Fact]
    public void Load_V1AndV2Variables_V2UsedAndV1Warned()
    {
        var result = TestInventories.Load(Cluster("pgbouncer_hba_rules: []\npgb_hba_rules: []"));

        Assert.False(result.HasErrors);
        Assert.Contains("does not use it", result.Single("pgbouncer_hba_rules is Pigsty v1's name").Message, StringComparison.Ordinal);
    }
}
