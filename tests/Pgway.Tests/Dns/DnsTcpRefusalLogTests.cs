using System.Net;
using Microsoft.Extensions.Time.Testing;
using Pgway.Dns;

namespace Pgway.Tests.Dns;

/// <summary>Refused TCP connections are logged at most once an interval, never one line each.</summary>
public sealed class DnsTcpRefusalLogTests
{
    private static readonly IPAddress Source = IPAddress.Parse("10.0.0.7");
    private static readonly IPEndPoint Local = new(IPAddress.Parse("10.0.0.1"), 8600);

    [Fact]
    public void Refused_AFloodInOneInterval_OneLineThenOneWithTheCount()
    {
        var time = new FakeTimeProvider();
        var lines = new LogLines();
        var log = new DnsTcpRefusalLog(lines, DnsOptions.Default, time);

        for (var i = 0; i < 1000; i++)
        {
            log.Refused(DnsTcpAdmissionResult.TooManyFromSource, Source, Local);
        }
        time.Advance(DnsTcpRefusalLog.Interval - TimeSpan.FromSeconds(1));
        log.Refused(DnsTcpAdmissionResult.TooManyConnections, Source, Local);

        var first = Assert.Single(lines.Texts);
        Assert.Contains("10.0.0.7", first, StringComparison.Ordinal);
        Assert.Contains("holds 16 connections already", first, StringComparison.Ordinal);
        Assert.Contains("0 more closed since", first, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromSeconds(1));
        log.Refused(DnsTcpAdmissionResult.TooManyConnections, Source, Local);

        Assert.Equal(2, lines.Texts.Count);
        Assert.Contains("256 connections open already", lines.Texts[1], StringComparison.Ordinal);
        Assert.Contains("1000 more closed since", lines.Texts[1], StringComparison.Ordinal);
    }
}
