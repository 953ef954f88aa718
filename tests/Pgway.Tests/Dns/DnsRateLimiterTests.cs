using System.Net;
using Microsoft.Extensions.Time.Testing;
using Pgway.Dns;

namespace Pgway.Tests.Dns;

/// <summary>The per-source token bucket on fake time: burst, refill, sources apart, and the bounded table.</summary>
public sealed class DnsRateLimiterTests
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.2");

    private static int Taken(DnsRateLimiter limiter, IPAddress source, int tries) => Enumerable.Range(0, tries).Count(_ => limiter.TryTake(source));

    [Fact]
    public void TryTake_BurstThenRate_RestDropped()
    {
        var time = new FakeTimeProvider();
        var limiter = new DnsRateLimiter(DnsOptions.Default with { RatePerSecond = 10, Burst = 20 }, time);

        Assert.Equal(20, Taken(limiter, A, 50));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(10, Taken(limiter, A, 50));
        time.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(20, Taken(limiter, A, 50));
    }

    [Fact]
    public void TryTake_OtherSource_OwnBucket()
    {
        var limiter = new DnsRateLimiter(DnsOptions.Default with { RatePerSecond = 10, Burst = 20 }, new FakeTimeProvider());

        Assert.Equal(20, Taken(limiter, A, 50));
        Assert.Equal(20, Taken(limiter, B, 50));
    }

    [Fact]
    public void TryTake_NoLimit_EveryQuery()
    {
        var limiter = new DnsRateLimiter(DnsOptions.Default with { RatePerSecond = 0 }, new FakeTimeProvider());

        Assert.Equal(10_000, Taken(limiter, A, 10_000));
    }

    [Fact]
    public void TryTake_TableFull_NewSourcesShareOneBucketAndFullBucketsAreForgotten()
    {
        var time = new FakeTimeProvider();
        var limiter = new DnsRateLimiter(DnsOptions.Default with { RatePerSecond = 10, Burst = 5, MaxTrackedSources = 100 }, time);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(limiter.TryTake(IPAddress.Parse($"10.1.0.{i}")));
        }

        // Forged sources beyond the table: one shared bucket of 5.
        Assert.Equal(5, Enumerable.Range(0, 50).Count(i => limiter.TryTake(IPAddress.Parse($"10.2.0.{i}"))));
        Assert.Equal(100, limiter.TrackedSources);

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(limiter.TryTake(B));
        Assert.Equal(1, limiter.TrackedSources);
    }
}
