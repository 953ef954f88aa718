using Pgway.Admin;
using Pgway.Model;
using Pgway.Tests.Admin;

namespace Pgway.Tests.Cli;

/// <summary>`pgway unfence`: asks a running pgway's admin endpoint to clear a fence, and says what it answered.</summary>
public sealed class UnfenceCommandTests
{
    private static async Task<(AdminEndpoint Endpoint, int Port, List<string> Asked)> ServeAsync(string? refusal, AdminCredentials? credentials = null)
    {
        var asked = new List<string>();
        var (endpoint, port) = await AdminActionHosts.StartEndpointAsync(new AdminSources(() => "", StatusSamples.Report)
        {
            Unfence = (member, force, _) =>
            {
                asked.Add(force ? $"{member} forced" : member);
                return Task.FromResult(refusal);
            },
        }, credentials);
        return (endpoint, port, asked);
    }

    [Fact]
    public async Task Unfence_Cleared_SaysSoExitZero()
    {
        var (endpoint, port, asked) = await ServeAsync(null);
        await using var _ = endpoint;

        var (code, output, error) = await CliRunner.RunAsync("unfence", "--member", "pg-test-1", "--url", $"http://127.0.0.1:{port}", "--runtime-dir", AdminActionHosts.RuntimeDirectory);

        Assert.True(code == 0, error);
        Assert.Equal(["pg-test-1"], asked);
        Assert.Contains("pg-test-1 is no longer fenced", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unfence_Refused_PrintsWhyExitOne()
    {
        var (endpoint, port, _) = await ServeAsync("pg-test-1 is not fenced");
        await using var _ = endpoint;

        var (code, _, error) = await CliRunner.RunAsync("unfence", "--member", "pg-test-1", "--url", $"http://127.0.0.1:{port}", "--runtime-dir", AdminActionHosts.RuntimeDirectory);

        Assert.Equal(1, code);
        Assert.Contains("cannot unfence pg-test-1: pg-test-1 is not fenced", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unfence_EndpointWithCredentials_AsksForThemThenAcceptsThem()
    {
        var (endpoint, port, asked) = await ServeAsync(null, new AdminCredentials("admin", "s3cret"));
        await using var _ = endpoint;

        var (refused, _, refusedError) = await CliRunner.RunAsync("unfence", "--member", "pg-test-1", "--url", $"http://127.0.0.1:{port}", "--runtime-dir", AdminActionHosts.RuntimeDirectory);
        var (code, _, error) = await CliRunner.RunAsync("unfence", "--member", "pg-test-1", "--url", $"http://127.0.0.1:{port}", "--runtime-dir", AdminActionHosts.RuntimeDirectory, "--user", "admin", "--password", "s3cret");

        Assert.Equal(1, refused);
        Assert.Contains("asks for credentials", refusedError, StringComparison.Ordinal);
        Assert.True(code == 0, error);
        Assert.Single(asked);
    }

    // Before: without credentials the endpoint acted for any loopback client; now the command needs the token serve wrote.
    [Fact]
    public async Task Unfence_NoTokenInTheRuntimeDirectory_RefusedSaysWhereNothingDone()
    {
        var (endpoint, port, asked) = await ServeAsync(null);
        await using var _ = endpoint;
        var elsewhere = Path.Combine(Path.GetTempPath(), $"pgway-no-token-{Guid.NewGuid():N}");

        var (code, _, error) = await CliRunner.RunAsync("unfence", "--member", "pg-test-1", "--url", $"http://127.0.0.1:{port}", "--runtime-dir", elsewhere);

        Assert.Equal(1, code);
        Assert.Contains("run this as pgway's user to use its token", error, StringComparison.Ordinal);
        Assert.Contains(AdminTokenFile.PathFor(elsewhere, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port)), error, StringComparison.Ordinal);
        Assert.Empty(asked);
    }

    [Theory]
    [InlineData("pg-test-9", "cannot unfence pg-test-9: unknown instance 'pg-test-9'")]
    [InlineData("pg-test-1", "cannot unfence pg-test-1: pg-test-1 is not fenced in this pgway")]
    public async Task Unfence_RunningHost_RefusesUnknownAndUnfencedInstances(string member, string message)
    {
        var (host, port) = await AdminActionHosts.StartHostAsync();
        await using var _ = host;

        var (code, _, error) = await CliRunner.RunAsync("unfence", "--member", member, "--url", $"http://127.0.0.1:{port}", "--runtime-dir", AdminActionHosts.RuntimeDirectory);

        Assert.Equal(1, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unfence_NoMemberGiven_ParseErrorNamesTheOption()
    {
        var (code, _, error) = await CliRunner.RunAsync("unfence", "--url", "http://127.0.0.1:9");

        // System.CommandLine's exit code for a parse error, as for every command.
        Assert.Equal(1, code);
        Assert.Contains("--member", error, StringComparison.Ordinal);
    }
}
