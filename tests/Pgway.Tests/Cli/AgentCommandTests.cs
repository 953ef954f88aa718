namespace Pgway.Tests.Cli;

/// <summary>`pgway agent` refuses bad arguments with a message that says what to write instead.</summary>
public class AgentCommandTests
{
    [Theory]
    [InlineData(new[] { "agent" }, "give --pg URL and --listen ADDRESS:PORT")]
    [InlineData(new[] { "agent", "--pg", "postgres://u@127.0.0.1/postgres" }, "give --pg URL and --listen ADDRESS:PORT")]
    [InlineData(new[] { "agent", "--pg", "postgres://u@127.0.0.1/postgres", "--listen", "localhost" }, "--listen 'localhost' is not ADDRESS:PORT")]
    [InlineData(new[] { "agent", "--pg", "postgres://u@127.0.0.1/postgres?sslmod=require", "--listen", "127.0.0.1:8008" }, "parameter 'sslmod'")]
    [InlineData(new[] { "agent", "--pg", "postgres://u@127.0.0.1/postgres", "--listen", "127.0.0.1:8008", "--tag", "noloadbalance" }, "--tag 'noloadbalance' is not KEY=VALUE")]
    [InlineData(new[] { "agent", "--pg", "postgres://u@127.0.0.1/postgres", "--listen", "127.0.0.1:8008", "--cache", "soon" }, "--cache 'soon' is not a duration")]
    [InlineData(new[] { "agent", "-c", "examples/pg-test.yml" }, "--config needs --node ADDRESS")]
    public async Task Agent_BadArguments_ExitTwoWithAdvice(string[] args, string message)
    {
        var resolved = args.Select(a => a.StartsWith("examples/", StringComparison.Ordinal) ? TestInventories.ExamplePath(a["examples/".Length..]) : a).ToArray();

        var (exitCode, _, error) = await CliRunner.RunAsync(resolved);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_UnknownNode_ExitOneSuggestingTheNearestNode()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("agent", "-c", TestInventories.ExamplePath("pg-test.yml"), "--node", "10.10.10.111");

        Assert.Equal(1, exitCode);
        Assert.Contains("no instance on node '10.10.10.111'", error, StringComparison.Ordinal);
        Assert.Contains("did you mean '10.10.10.11'", error, StringComparison.Ordinal);
    }
}
