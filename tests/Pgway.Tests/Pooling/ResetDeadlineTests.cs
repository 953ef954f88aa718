using System.Collections.Immutable;
using Pgway.Configuration;
using Pgway.Model;
using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

/// <summary>How long session mode's <c>server_reset_query</c> may run before its server is closed.</summary>
public sealed class ResetDeadlineTests
{
    [Theory]
    [InlineData("600", "3600", 600)]
    [InlineData("1", "3600", 1)]
    [InlineData("0", "3600", 3600)]
    [InlineData("0", "0", 0)]
    public void ResetDeadline_ServerIdleTimeoutElseServerLifetime(string idleTimeout, string lifetime, int expectedSeconds)
    {
        var settings = Settings(("server_idle_timeout", idleTimeout), ("server_lifetime", lifetime));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), ClientSession.ResetDeadline(settings));
    }

    private static PoolerSettings Settings(params (string Name, string Value)[] changed)
    {
        var settings = PgBouncerSettings.Read.ToImmutableSortedDictionary(s => s.Key, s => s.Value.Default, StringComparer.Ordinal);
        foreach (var (name, value) in changed)
        {
            settings = settings.SetItem(name, value);
        }
        return new PoolerSettings(PoolMode.Session, false, "disable", settings, [], []);
    }
}
