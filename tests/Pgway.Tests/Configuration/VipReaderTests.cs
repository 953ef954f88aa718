using System.Net;
using Pgway.Configuration;
using Pgway.Model;

namespace Pgway.Tests.Configuration;

/// <summary>The L2 VIP from v2+ (<c>pg_vip_*</c>) and v1 (<c>vip_*</c>) variables; every bad value an error at its line.</summary>
public sealed class VipReaderTests
{
    // The cluster's vars start at line 8: the first variable given is on line 8.
    private static LoadResult Load(string vars) => TestInventories.Load($$"""
        all:
          children:
            pg-x:
              hosts:
                10.0.0.1: { pg_seq: 1, pg_role: primary }
                10.0.0.2: { pg_seq: 2, pg_role: replica }
              vars:
        {{vars}}
                pg_cluster: pg-x
        """);

    private static ClusterVip? VipOf(string vars)
    {
        var result = Load(vars);
        Assert.False(result.HasErrors, string.Join('\n', result.Errors));
        return result.Topology!.Clusters[0].Vip;
    }

    private static void AssertErrorAt(LoadResult result, string contains, int line)
    {
        var diagnostic = result.Single(contains);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(TestInventories.File, diagnostic.Location.File);
        Assert.Equal(line, diagnostic.Location.Line);
    }

    [Fact]
    public void Read_V2Cidr_AddressPrefixAndAutoInterface()
    {
        var vip = VipOf("""
                    pg_vip_enabled: true
                    pg_vip_address: 10.0.0.9/24
            """);

        Assert.Equal(new ClusterVip(IPAddress.Parse("10.0.0.9"), 24, null, ClusterVip.DefaultDcsGrace, vip!.Location), vip);
        Assert.Equal(9, vip.Location.Line);
    }

    [Theory]
    [InlineData("eth1", "eth1")]
    [InlineData("auto", null)]
    public void Read_V2Interface_NamedOrAuto(string configured, string? expected)
    {
        var vip = VipOf($"""
                    pg_vip_enabled: true
                    pg_vip_address: 10.0.0.9/24
                    pg_vip_interface: {configured}
            """);

        Assert.Equal(expected, vip!.Interface);
    }

    // Ansible lets a host override its group's variable: a node whose NIC is named otherwise.
    [Fact]
    public void Read_InterfaceSetOnOneHost_ThatHostsOwnElsewhereTheClusters()
    {
        var result = TestInventories.Load("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary, pg_vip_interface: ens5 }
                    10.0.0.2: { pg_seq: 2, pg_role: replica }
                    10.0.0.3: { pg_seq: 3, pg_role: replica, pg_vip_interface: auto }
                  vars:
                    pg_cluster: pg-x
                    pg_vip_enabled: true
                    pg_vip_address: 10.0.0.9/24
                    pg_vip_interface: eth1
            """);
        Assert.False(result.HasErrors, string.Join('\n', result.Errors));
        var vip = result.Topology!.Clusters[0].Vip!;

        Assert.Equal("ens5", vip.InterfaceOn("10.0.0.1"));
        Assert.Equal("eth1", vip.InterfaceOn("10.0.0.2"));
        Assert.Null(vip.InterfaceOn("10.0.0.3"));
    }

    [Fact]
    public void Read_BadInterfaceOnAHost_ErrorAtItsLineNamingTheHost()
    {
        var result = TestInventories.Load("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary, pg_vip_interface: "eth 0" }
                  vars:
                    pg_cluster: pg-x
                    pg_vip_enabled: true
                    pg_vip_address: 10.0.0.9/24
            """);

        AssertErrorAt(result, "of host '10.0.0.1' is not a network interface name", 5);
    }

    [Fact]
    public void Read_V1_AddressMaskAndInterface()
    {
        var vip = VipOf("""
                    vip_mode: l2
                    vip_address: 10.0.0.9
                    vip_cidrmask: 8
                    vip_interface: eth0
            """);

        Assert.Equal("10.0.0.9/8 on eth0", vip!.ToString());
    }

    // v2+'s NODE role: keepalived keeps vip_address on the nodes; pgway must not hold it as the primary's.
    [Theory]
    [InlineData("vip_enabled: true")]
    [InlineData("vip_vrid: 128")]
    public void Read_NodeKeepalivedVip_NotTheClustersVip(string keepalived)
    {
        var vip = VipOf($"""
                    {keepalived}
                    vip_address: 10.0.0.9
            """);

        Assert.Null(vip);
    }

    [Fact]
    public void Read_V1WithoutMask_Pigsty24()
    {
        Assert.Equal(24, VipOf("        vip_address: 10.0.0.9")!.PrefixLength);
    }

    [Theory]
    [InlineData("        vip_mode: none\n        vip_address: 10.0.0.9")]
    [InlineData("        pg_vip_enabled: false\n        pg_vip_address: 10.0.0.9/24")]
    [InlineData("        pg_vip_address: 10.0.0.9/24")]
    public void Read_Disabled_NoVip(string vars)
    {
        Assert.Null(VipOf(vars));
    }

    [Fact]
    public void Read_GraceSeconds_Typed()
    {
        var vip = VipOf("""
                    pg_vip_enabled: true
                    pg_vip_address: 10.0.0.9/24
                    pgway_vip_dcs_grace: 2
            """);

        Assert.Equal(TimeSpan.FromSeconds(2), vip!.DcsGrace);
    }

    [Theory]
    [InlineData("pg_vip_address: 10.0.0.999/24", "is not an address/prefix")]
    [InlineData("pg_vip_address: 10.0.0.9", "has no prefix length")]
    [InlineData("pg_vip_address: 10.0.0.9/33", "must be 1 to 32 for an IPv4 address")]
    [InlineData("pg_vip_address: 10.0.0.9/x", "must be 1 to 32")]
    [InlineData("pg_vip_address: fd00::9/64", "is an IPv6 address, but its instances' addresses are IPv4")]
    [InlineData("pg_vip_address: 10.0.0.1/24", "is the address of pg-x-1")]
    [InlineData("pg_vip_address: ~", "enables its VIP but sets no pg_vip_address")]
    public void Read_BadV2Address_ErrorAtLine(string line, string message)
    {
        var result = Load($"""
                    pg_vip_enabled: true
                    {line}
            """);

        AssertErrorAt(result, message, line.EndsWith('~') ? 8 : 9);
    }

    [Theory]
    [InlineData("vip_mode: l4", "vip_mode 'l4' of cluster 'pg-x' is not one pgway holds", 8)]
    [InlineData("vip_cidrmask: 64", "vip_cidrmask '64' of cluster 'pg-x' must be a prefix length of 1 to 32 for the IPv4", 8)]
    [InlineData("vip_interface: 'eth 1'", "vip_interface 'eth 1' of cluster 'pg-x' is not a network interface name", 8)]
    public void Read_BadV1Value_ErrorAtLine(string line, string message, int at)
    {
        var result = Load($"""
                    {line}
                    vip_address: 10.0.0.9
            """);

        AssertErrorAt(result, message, at);
    }

    [Fact]
    public void Read_V1AddressWithPrefix_ErrorAtLine()
    {
        AssertErrorAt(Load("        vip_address: 10.0.0.9/24"), "vip_address '10.0.0.9/24' of cluster 'pg-x' is not an IP address (v1 sets the prefix length apart", 8);
    }

    [Theory]
    [InlineData("pgway_vip_dcs_grace: soon", "is not a duration")]
    [InlineData("pgway_vip_dcs_grace: 15", "is too long: with Patroni's ttl 30 s and loop_wait 5 s")]
    public void Read_BadGrace_ErrorAtLine(string line, string message)
    {
        var result = Load($"""
                    pg_vip_enabled: true
                    pg_vip_address: 10.0.0.9/24
                    {line}
            """);

        AssertErrorAt(result, message, 10);
    }

    [Fact]
    public void Read_GraceAgainstFastRto_BoundedByItsTtl()
    {
        var result = Load("""
                    pg_rto: fast
                    pg_vip_enabled: true
                    pg_vip_address: 10.0.0.9/24
                    pgway_vip_dcs_grace: 5s
            """);

        AssertErrorAt(result, "with Patroni's ttl 20 s and loop_wait 5 s", 11);
    }
}
