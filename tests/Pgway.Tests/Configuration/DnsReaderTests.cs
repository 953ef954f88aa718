using System.Net;
using Pgway.Configuration;
using Pgway.Model;

namespace Pgway.Tests.Configuration;

/// <summary>Pigsty's <c>pg_dns_suffix</c> and <c>pg_dns_target</c>: defaults, each kind, and bad values at their line.</summary>
public sealed class DnsReaderTests
{
    // The cluster's vars start at line 8.
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

    private static ClusterDns DnsOf(string vars)
    {
        var result = Load(vars);
        Assert.False(result.HasErrors, string.Join('\n', result.Errors));
        return result.Topology!.Clusters[0].Dns;
    }

    [Fact]
    public void Read_NotSet_PigstyDefaults()
    {
        Assert.Equal(ClusterDns.Default, DnsOf("        pg_weight: 100"));
    }

    [Theory]
    [InlineData("''", "")]
    [InlineData(".pigsty", ".pigsty")]
    [InlineData(".DB.Example.com", ".db.example.com")]
    public void Read_Suffix_KeptAsPigstyAppendsIt(string configured, string expected)
    {
        Assert.Equal(expected, DnsOf($"        pg_dns_suffix: {configured}").Suffix);
    }

    [Theory]
    [InlineData("auto", "Auto", null)]
    [InlineData("primary", "Primary", null)]
    [InlineData("vip", "Vip", null)]
    [InlineData("none", "None", null)]
    [InlineData("10.0.0.9", "Address", "10.0.0.9")]
    [InlineData("10.0.0.9/24", "Address", "10.0.0.9")]
    [InlineData("'fd00::9'", "Address", "fd00::9")]
    public void Read_Target_EachKind(string configured, string kind, string? address)
    {
        var dns = DnsOf($"        pg_dns_target: {configured}");

        Assert.Equal(kind, dns.Target.ToString());
        Assert.Equal(address is null ? null : IPAddress.Parse(address), dns.Address);
    }

    [Theory]
    [InlineData("pg_dns_target: primry", "pg_dns_target 'primry'")]
    [InlineData("pg_dns_target: 10.1", "pg_dns_target '10.1'")]
    [InlineData("pg_dns_suffix: pigsty", "pg_dns_suffix 'pigsty'")]
    [InlineData("pg_dns_suffix: '.a..b'", "pg_dns_suffix '.a..b'")]
    [InlineData("pg_dns_suffix: '.under_score'", "pg_dns_suffix '.under_score'")]
    public void Read_BadValue_ErrorAtItsLine(string line, string contains)
    {
        var diagnostic = Load($"        {line}").Single(contains);

        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(TestInventories.File, diagnostic.Location.File);
        Assert.Equal(8, diagnostic.Location.Line);
    }
}
