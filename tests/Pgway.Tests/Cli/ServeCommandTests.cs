namespace Pgway.Tests.Cli;

/// <summary>`pgway serve` refuses what it cannot host, before binding anything.</summary>
public class ServeCommandTests
{
    [Fact]
    public async Task Serve_UnknownNode_ExitTwoNamingIt()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("serve", "-c", TestInventories.ExamplePath("pg-test.yml"), "--node", "10.10.10.99");

        Assert.Equal(2, exitCode);
        Assert.Contains("no instance on node '10.10.10.99'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WithoutNode_ExitNonZeroAskingForIt()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("serve", "-c", TestInventories.ExamplePath("pg-test.yml"));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--node", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_InvalidInventory_ExitOne()
    {
        var file = Path.Combine(Path.GetTempPath(), $"pgway-serve-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, "all: { children: { pg-x: { hosts: { 10.0.0.1: { pg_seq: 1 } }, vars: { pg_cluster: pg-x } } } }\n");
        try
        {
            var (exitCode, _, error) = await CliRunner.RunAsync("serve", "-c", file, "--node", "10.0.0.1");

            Assert.Equal(1, exitCode);
            Assert.Contains("has no pg_role", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Serve_Help_ListsNoAdmin()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("serve", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("--no-admin", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--drain-timeout")]
    [InlineData("--log-format")]
    [InlineData("--log-level")]
    public async Task Serve_Help_ListsDaemonOptions(string option)
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("serve", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains(option, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--drain-timeout", "-1", "--drain-timeout")]
    [InlineData("--log-format", "xml", "xml")]
    [InlineData("--log-level", "loud", "loud")]
    public async Task Serve_BadDaemonOption_ExitNonZeroNamingIt(string option, string value, string named)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("serve", "-c", TestInventories.ExamplePath("pg-test.yml"), "--node", "10.10.10.11", option, value);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }
}
