using System.Text.Json;

namespace Pgway.Tests.Cli;

/// <summary>`pgway services` and `pgway urls` on a terminal 80 and 200 columns wide: every line fits, and no name or URL is broken.</summary>
public sealed class TerminalWidthTests
{
    private static readonly string PgTest = TestInventories.ExamplePath("pg-test.yml");

    private static string[] Lines(string output) => [.. output.Split('\n').Select(l => l.TrimEnd())];

    [Theory]
    [InlineData(80)]
    [InlineData(200)]
    public async Task Services_TerminalWidth_EveryLineFitsWithNamesWhole(int width)
    {
        var (code, output, error) = await CliRunner.RunAtWidthAsync(width, "services", "-c", PgTest);

        Assert.True(code == 0, error);
        var lines = Lines(output);
        Assert.All(lines, l => Assert.True(l.Length <= width, $"{l.Length} columns: {l}"));
        foreach (var word in new[] { "pg-test-primary", "pg-test-replica", "pg-test-default", "pg-test-offline", "pgbouncer", "roundrobin", "/read-only" })
        {
            Assert.Contains(lines, l => l.Contains(word, StringComparison.Ordinal));
        }
        Assert.Contains(lines, l => l.Contains("pg-test-1, pg-test-2, pg-test-3", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("pg-test-1, pg-test-3", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(200)]
    public async Task Urls_TerminalWidth_EveryUrlWholeOnItsLine(int width)
    {
        var (_, json, _) = await CliRunner.RunAsync("urls", "-c", PgTest, "--json");
        using var document = JsonDocument.Parse(json);
        var urls = document.RootElement[0].GetProperty("urls").EnumerateArray().Select(u => u.GetProperty("url").GetString()!).ToList();

        var (code, output, error) = await CliRunner.RunAtWidthAsync(width, "urls", "-c", PgTest);

        Assert.True(code == 0, error);
        var lines = Lines(output);
        Assert.All(urls, url => Assert.Contains(lines, l => l.Contains(url, StringComparison.Ordinal)));
        // Only a URL longer than the terminal may pass its edge, alone on its line, for the terminal to wrap without a gap.
        Assert.All(lines.Where(l => l.Length > width), l => Assert.Contains(l.Trim(), urls));
    }
}
