using Pgway.Cli.Commands;
using Pgway.Admin;
using Pgway.Model;
using Pgway.Switchover;
using Pgway.Tests.Admin;

namespace Pgway.Tests.Cli;

/// <summary>`pgway switchover`: asks a running pgway's admin endpoint and prints the steps, or the error, with the exit code.</summary>
public sealed class SwitchoverCommandTests
{
    private static readonly SwitchoverResult Done = new("pg-test", true, "patroni", "pg-test-1", "pg-test-2", 812.4, 905.1,
    [
        new("validate", 1.2, 1.2, "primary pg-test-1, candidate pg-test-2, by patroni"),
        new("pause", 1.5, 0.3, "new transactions wait on pg-test-primary"),
        new("drain", 20.1, 18.6, "no transaction under way on the held services"),
        new("patroni", 800.0, 779.9, "POST http://10.10.10.11:8008/switchover: Successfully switched over to \"pg-test-2\""),
        new("route", 812.9, 12.9, "primary services follow pg-test-2"),
        new("resume", 814.0, 1.1, "held 812 ms"),
    ], null);

    private static async Task<(AdminEndpoint Endpoint, int Port, List<string> Asked)> ServeAsync(SwitchoverResult answer, AdminCredentials? credentials = null)
    {
        var asked = new List<string>();
        var (endpoint, port) = await AdminActionHosts.StartEndpointAsync(new AdminSources(() => "", StatusSamples.Report)
        {
            Switchover = (cluster, to, options, _) =>
            {
                asked.Add($"{cluster} {to ?? "-"} {options.WaitTimeout.TotalSeconds} {options.SwitchTimeout.TotalSeconds}");
                return Task.FromResult(answer);
            },
        }, credentials);
        return (endpoint, port, asked);
    }

    [Fact]
    public async Task Switchover_Succeeds_PrintsStepsAndTimingsExitZero()
    {
        var (endpoint, port, asked) = await ServeAsync(Done);
        await using var _ = endpoint;

        var (code, output, error) = await CliRunner.RunAsync("switchover", "--cluster", "pg-test", "--to", "pg-test-2", "--wait-timeout", "5", "--url", $"http://127.0.0.1:{port}", "--runtime-dir", AdminActionHosts.RuntimeDirectory);

        Assert.True(code == 0, error);
        Assert.Equal(["pg-test pg-test-2 5 60"], asked);
        Assert.Contains("│ patroni ", output, StringComparison.Ordinal);
        Assert.Contains("779.9", output, StringComparison.Ordinal);
        Assert.Contains("pg-test: pg-test-2 is the primary (pg-test-1 before, by patroni); pooled primary services held 812 ms, 905 ms in all", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Switchover_Fails_PrintsTheErrorExitOne()
    {
        var (endpoint, port, _) = await ServeAsync(Done with { Succeeded = false, NewPrimary = null, Error = "Patroni refused the switchover (412): no good", Steps = [Done.Steps[0]] });
        await using var _ = endpoint;

        var (code, output, error) = await CliRunner.RunAsync("switchover", "--cluster", "pg-test", "--url", $"http://127.0.0.1:{port}", "--runtime-dir", AdminActionHosts.RuntimeDirectory);

        Assert.Equal(1, code);
        Assert.Contains("validate", output, StringComparison.Ordinal);
        Assert.Contains("switchover of pg-test failed: Patroni refused the switchover (412): no good", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Switchover_EndpointWithCredentials_AsksForThemThenAcceptsThem()
    {
        var (endpoint, port, asked) = await ServeAsync(Done, new AdminCredentials("admin", "s3cret"));
        await using var _ = endpoint;

        var (refused, _, refusedError) = await CliRunner.RunAsync("switchover", "--cluster", "pg-test", "--url", $"http://127.0.0.1:{port}", "--runtime-dir", AdminActionHosts.RuntimeDirectory);
        var (code, _, error) = await CliRunner.RunAsync("switchover", "--cluster", "pg-test", "--url", $"http://127.0.0.1:{port}", "--runtime-dir", AdminActionHosts.RuntimeDirectory, "--user", "admin", "--password", "s3cret");

        Assert.Equal(1, refused);
        Assert.Contains("asks for credentials", refusedError, StringComparison.Ordinal);
        Assert.True(code == 0, error);
        Assert.Single(asked);
    }

    [Theory]
    [InlineData("pg-nope", null, "switchover of pg-nope failed: unknown cluster 'pg-nope': this pgway hosts pg-test")]
    [InlineData("pg-test", "pg-test-9", "switchover of pg-test failed: 'pg-test-9' is not a member of cluster pg-test: its members are pg-test-1, pg-test-2")]
    public async Task Switchover_RunningHost_RefusesUnknownClusterAndBadTarget(string cluster, string? to, string message)
    {
        var (host, port) = await AdminActionHosts.StartHostAsync();
        await using var _ = host;

        var (code, _, error) = await CliRunner.RunAsync(["switchover", "--cluster", cluster, .. to is null ? Array.Empty<string>() : ["--to", to], "--url", $"http://127.0.0.1:{port}", "--runtime-dir", AdminActionHosts.RuntimeDirectory]);

        Assert.Equal(1, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, 60, 110)] // both waits (the target's checks, the transactions), the switch, and 30 s more
    [InlineData(1e9, 60, -1)] // past what HttpClient can time: no client bound, the endpoint refuses what it cannot wait for
    public void RequestTimeout_CoversBothWaitsAndTheSwitch(double wait, double limit, double expectedSeconds)
    {
        var timeout = SwitchoverCommand.RequestTimeout(TimeSpan.FromSeconds(wait), TimeSpan.FromSeconds(limit));

        Assert.Equal(expectedSeconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(expectedSeconds), timeout);
        _ = new HttpClient { Timeout = timeout };
    }

    [Fact]
    public async Task Switchover_NoEndpointGiven_UsageErrorExitTwo()
    {
        var (code, _, error) = await CliRunner.RunAsync("switchover", "--cluster", "pg-test");

        Assert.Equal(2, code);
        Assert.Contains("say which admin endpoint", error, StringComparison.Ordinal);
    }
}
