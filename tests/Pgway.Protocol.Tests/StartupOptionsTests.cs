using Pgway.Protocol;

namespace Pgway.Protocol.Tests;

/// <summary>The options start-up parameter, split as PostgreSQL splits it.</summary>
public class StartupOptionsTests
{
    [Theory]
    [InlineData("-c statement_timeout=5s", "statement_timeout=5s")]
    [InlineData("-cgeqo=off", "geqo=off")]
    [InlineData("--search-path=app", "search_path=app")]
    [InlineData("  -c a=1   --b=2 -cc=3 ", "a=1|b=2|c=3")]
    [InlineData(@"-c application_name=two\ words", "application_name=two words")]
    [InlineData(@"-c x=back\\slash", @"x=back\slash")]
    [InlineData("-c search_path=a=b", "search_path=a=b")]
    [InlineData("", "")]
    public void Settings_Parsed(string options, string expected)
    {
        Assert.True(StartupOptions.TryParse(options, out var settings, out var error), error);

        Assert.Equal(expected, string.Join('|', settings.Select(s => $"{s.Key}={s.Value}")));
    }

    [Theory]
    [InlineData("-B 100", "only -c name=value and --name=value are supported, not '-B'")]
    [InlineData("-c", "-c without name=value")]
    [InlineData("-c geqo", "'geqo' is not name=value")]
    [InlineData("--=x", "'=x' is not name=value")]
    [InlineData("stray", "not 'stray'")]
    public void OtherSwitches_Refused(string options, string expected)
    {
        Assert.False(StartupOptions.TryParse(options, out _, out var error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
