using Pgway.Configuration;
using Pgway.Model;

namespace Pgway.Tests.Configuration;

public class ServerOptionsParserTests
{
    private static readonly SourceLocation Here = new("test.yml", 1, 1);

    [Fact]
    public void Parse_PigstySeedOptions_AllTyped()
    {
        var bag = new DiagnosticBag();

        var options = ServerOptionsParser.Parse(DefaultServices.V1ServerOptions, Here, bag)!;

        Assert.Empty(bag.ToImmutable());
        Assert.Equal(TimeSpan.FromSeconds(3), options.Inter);
        Assert.Equal(TimeSpan.FromSeconds(1), options.FastInter);
        Assert.Equal(TimeSpan.FromSeconds(5), options.DownInter);
        Assert.Equal((3, 3), (options.Rise, options.Fall));
        Assert.Equal(MarkedDownAction.ShutdownSessions, options.OnMarkedDown);
        Assert.Equal(MarkedUpAction.None, options.OnMarkedUp);
        Assert.Equal(TimeSpan.FromSeconds(30), options.SlowStart);
        Assert.Equal((3000, 128, 100), (options.MaxConn, options.MaxQueue, options.Weight));
    }

    [Fact]
    public void Parse_Empty_HaproxyDefaultsWithIntervalsFallingBackToInter()
    {
        var options = ServerOptionsParser.Parse("inter 5s on-marked-up shutdown-backup-sessions", Here, new DiagnosticBag())!;

        Assert.Equal(TimeSpan.FromSeconds(5), options.FastInter);
        Assert.Equal(TimeSpan.FromSeconds(5), options.DownInter);
        Assert.Equal((2, 3), (options.Rise, options.Fall));
        Assert.Equal(MarkedUpAction.ShutdownBackupSessions, options.OnMarkedUp);
        Assert.Null(options.Weight);
    }

    [Theory]
    [InlineData("250", 250)]
    [InlineData("250ms", 250)]
    [InlineData("500us", 0.5)]
    [InlineData("2s", 2000)]
    [InlineData("1m", 60_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1d", 86_400_000)]
    public void TryParseDuration_HaproxyUnits_Milliseconds(string text, double milliseconds)
    {
        Assert.True(ServerOptionsParser.TryParseDuration(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds);
    }

    [Theory]
    [InlineData("intr 2s", "unknown server option 'intr' (did you mean 'inter'?)")]
    [InlineData("inter fast", "server option 'inter fast': needs a positive time")]
    [InlineData("inter 0s", "server option 'inter 0s': needs a positive time")]
    [InlineData("rise 0", "server option 'rise 0': needs an integer from 1 to 1000")]
    [InlineData("weight 300", "server option 'weight 300': needs an integer from 0 to 256")]
    [InlineData("on-marked-down kill", "server option 'on-marked-down kill': must be 'shutdown-sessions'")]
    [InlineData("rise 3 fall", "server option 'fall' needs a value")]
    public void Parse_BadOption_ClearError(string text, string expected)
    {
        var bag = new DiagnosticBag();

        var options = ServerOptionsParser.Parse(text, Here, bag);

        Assert.Null(options);
        Assert.Contains(bag.ToImmutable(), d => d.IsError && d.Message.StartsWith(expected, StringComparison.Ordinal));
    }
}
