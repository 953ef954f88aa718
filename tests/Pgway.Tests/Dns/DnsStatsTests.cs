using Pgway.Dns;

namespace Pgway.Tests.Dns;

/// <summary>Queries counted by name and result, with labels bounded whatever clients ask.</summary>
public sealed class DnsStatsTests
{
    [Fact]
    public void Metrics_ByNameAndResult()
    {
        var stats = new DnsStats();
        stats.Count("pg-test.pigsty", DnsResult.Answer);
        stats.Count("pg-test.pigsty", DnsResult.Answer);
        stats.Count("pg-test.pigsty", DnsResult.NoData);
        stats.Count(DnsAnswerer.OtherName, DnsResult.RateLimited);

        var metrics = stats.Metrics();

        Assert.Contains("pgway_dns_queries_total{name=\"pg-test.pigsty\",result=\"answer\"} 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("pgway_dns_queries_total{name=\"pg-test.pigsty\",result=\"nodata\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("pgway_dns_queries_total{name=\"other\",result=\"ratelimited\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("nxdomain", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public void Count_PastMaxNames_CountedAsOther()
    {
        var stats = new DnsStats();
        for (var i = 0; i < DnsStats.MaxNames + 50; i++)
        {
            stats.Count($"n{i}.pigsty", DnsResult.Answer);
        }

        var names = stats.Read().Select(c => c.Name).Distinct().ToList();

        Assert.Equal(DnsStats.MaxNames + 1, names.Count);
        Assert.Equal(50, stats.Read().Single(c => c.Name == DnsAnswerer.OtherName).Queries);
    }
}
