using System.Net;
using System.Text.Json;
using Pgway.Admin;
using Pgway.Cli;
using Pgway.Cli.Commands;
using Pgway.Model;
using Pgway.Tests.Admin;

namespace Pgway.Tests.Cli;

/// <summary>`pgway status`: the tables from a status document, and reading it from an admin endpoint served on loopback.</summary>
public sealed class StatusCommandTests
{
    private static readonly AdminCredentials Credentials = new("admin", "s3cret");

    private static string Rendered(StatusReport report, string? problem = null)
    {
        using var output = new StringWriter();
        CliContext.ForWriters(output, TextWriter.Null).Console.Write(StatusTables.Render(report, "http://127.0.0.11:9101", problem));
        return output.ToString();
    }

    private static async Task<(AdminEndpoint Endpoint, int Port)> ServeAsync(AdminCredentials? credentials, Func<StatusReport>? status = null)
    {
        var port = StatusSamples.FreePort();
        var endpoint = await AdminEndpoint.StartAsync([new AdminListen(new IPEndPoint(IPAddress.Loopback, port), credentials)],
            new AdminSources(() => "", status ?? StatusSamples.Report), CancellationToken.None);
        return (endpoint, port);
    }

    [Fact]
    public void Render_Report_EveryServiceAndMemberWithStateAndLastCheck()
    {
        var text = Rendered(StatusSamples.Report());

        Assert.Contains("pg-test-replica UP *:5434 → pgbouncer · roundrobin  sessions 2/5/∞  queue 0/1/∞  total 40  refused 3  up for 5m 0s", text, StringComparison.Ordinal);
        Assert.Contains("pg-test-default UP *:5436 → postgres", text, StringComparison.Ordinal);
        var down = text.Split('\n').Single(l => l.Contains("│ pg-test-2 ", StringComparison.Ordinal));
        Assert.Contains("│ DOWN ", down, StringComparison.Ordinal);
        Assert.Contains("│ L4CON ", down, StringComparison.Ordinal);
        Assert.Contains(" 1.4 ms │", down, StringComparison.Ordinal);
        Assert.Contains("connection refused", down, StringComparison.Ordinal);
        Assert.Contains("│ going down UP 2/3 ", text.Split('\n').Single(l => l.Contains("│ pg-test-3 ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("│ BACKUP ", text.Split('\n').Single(l => l.Contains("│ pg-test-1 (backup) ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("│ no check ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Report_PoolsAndLatestEvents()
    {
        var text = Rendered(StatusSamples.Report());

        var pool = text.Split('\n').Single(l => l.Contains("│ dbuser_meta ", StringComparison.Ordinal));
        Assert.Contains("│ pg-test-1 ", pool, StringComparison.Ordinal);
        Assert.Contains(" 300 ms │", pool, StringComparison.Ordinal);
        Assert.Contains(" 31 ms │", pool, StringComparison.Ordinal);
        Assert.Contains(" 4s │", pool, StringComparison.Ordinal);
        Assert.Contains("pg-test-replica/pg-test-2 is DOWN, reason: L4CON", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Problem_ShownAboveTheTables()
    {
        var text = Rendered(StatusSamples.Report(), "cannot reach the admin endpoint");

        Assert.True(text.IndexOf("cannot reach", StringComparison.Ordinal) < text.IndexOf("pg-test-replica", StringComparison.Ordinal), text);
    }

    [Fact]
    public void Render_NothingHosted_SaysSo()
    {
        var text = Rendered(new StatusReport(StatusSamples.Now, [], [], []));

        Assert.Contains("no services", text, StringComparison.Ordinal);
        Assert.Contains("no pooler", text, StringComparison.Ordinal);
        Assert.Contains("no state changes", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.11:9101", "http://127.0.0.11:9101/status.json")]
    [InlineData("127.0.0.11:9101", "http://127.0.0.11:9101/status.json")]
    [InlineData("http://127.0.0.11:9101/", "http://127.0.0.11:9101/status.json")]
    [InlineData("http://127.0.0.11:9101/status.json", "http://127.0.0.11:9101/status.json")]
    [InlineData("https://stats.example/pgway/", "https://stats.example/pgway/status.json")]
    [InlineData("ftp://127.0.0.11", null)]
    [InlineData("http://", null)]
    public void StatusUrl_Typed_DocumentUrl(string typed, string? expected) =>
        Assert.Equal(expected, StatusCommand.StatusUrl(typed)?.ToString());

    [Fact]
    public async Task Status_EndpointRunning_PrintsTables()
    {
        var (endpoint, port) = await ServeAsync(null);
        await using var _ = endpoint;

        var (code, output, error) = await CliRunner.RunAsync("status", "--url", $"http://127.0.0.1:{port}");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("pg-test-replica", output, StringComparison.Ordinal);
        Assert.Contains("dbuser_meta", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_Json_TheDocumentAsSent()
    {
        var (endpoint, port) = await ServeAsync(null);
        await using var _ = endpoint;

        var (code, output, _) = await CliRunner.RunAsync("status", "--url", $"127.0.0.1:{port}", "--json");

        Assert.Equal(0, code);
        Assert.Equal(JsonSerializer.Serialize(StatusSamples.Report(), StatusJsonContext.Default.StatusReport), output.TrimEnd());
    }

    [Fact]
    public async Task Status_NoCredentials_ExitOneSayingTheyAreNeeded()
    {
        var (endpoint, port) = await ServeAsync(Credentials);
        await using var _ = endpoint;

        var (code, _, error) = await CliRunner.RunAsync("status", "--url", $"http://127.0.0.1:{port}");

        Assert.Equal(1, code);
        Assert.Contains($"the admin endpoint at http://127.0.0.1:{port}/status.json asks for credentials: give --user and --password", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_WrongCredentials_ExitOneNamingTheUser()
    {
        var (endpoint, port) = await ServeAsync(Credentials);
        await using var _ = endpoint;

        var (code, _, error) = await CliRunner.RunAsync("status", "--url", $"http://127.0.0.1:{port}", "--user", "admin", "--password", "wrong");

        Assert.Equal(1, code);
        Assert.Contains("refused the credentials of user 'admin'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_RightCredentials_PrintsTables()
    {
        var (endpoint, port) = await ServeAsync(Credentials);
        await using var _ = endpoint;

        var (code, output, _) = await CliRunner.RunAsync("status", "--url", $"http://127.0.0.1:{port}", "--user", "admin", "--password", "s3cret");

        Assert.Equal(0, code);
        Assert.Contains("pg-test-replica", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NothingListening_ExitOneNamingTheUrl()
    {
        var port = StatusSamples.FreePort();

        var (code, _, error) = await CliRunner.RunAsync("status", "--url", $"http://127.0.0.1:{port}");

        Assert.Equal(1, code);
        Assert.Contains($"cannot reach the admin endpoint at http://127.0.0.1:{port}/status.json", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NotAnAdminEndpoint_ExitOneSayingWhat()
    {
        var (endpoint, port) = await ServeAsync(null);
        await using var _ = endpoint;

        var (code, _, error) = await CliRunner.RunAsync("status", "--url", $"http://127.0.0.1:{port}/elsewhere/");

        Assert.Equal(1, code);
        Assert.Contains("answered 404", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NoUrlNorNode_ExitTwoSayingWhatToGive()
    {
        var (code, _, error) = await CliRunner.RunAsync("status");

        Assert.Equal(2, code);
        Assert.Contains("--url http://ADDRESS:9101, or -c INVENTORY --node ADDRESS", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_InventoryAndNode_EndpointAndCredentialsFromTheInventory()
    {
        var (endpoint, port) = await ServeAsync(Credentials);
        await using var _ = endpoint;
        var file = Path.Combine(Path.GetTempPath(), $"pgway-status-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, $$"""
            all:
              children:
                pg-test:
                  hosts:
                    127.0.0.1: { pg_seq: 1, pg_role: primary }
                  vars: { pg_cluster: pg-test, haproxy_exporter_port: {{port}}, haproxy_admin_username: admin, haproxy_admin_password: s3cret }
            """);
        try
        {
            var (code, output, error) = await CliRunner.RunAsync("status", "-c", file, "--node", "127.0.0.1");

            Assert.True(code == 0, error);
            Assert.Contains($"http://127.0.0.1:{port}", output, StringComparison.Ordinal);
            Assert.Contains("pg-test-replica", output, StringComparison.Ordinal);

            var (unknown, _, unknownError) = await CliRunner.RunAsync("status", "-c", file, "--node", "127.0.0.2");
            Assert.Equal(2, unknown);
            Assert.Contains("no instance on node '127.0.0.2'", unknownError, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Status_Watch_ReadsAgainUntilCancelled()
    {
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var (endpoint, port) = await ServeAsync(null, () =>
        {
            // The third reading proves the redraw loop; then it is Ctrl-C.
            if (Interlocked.Increment(ref reads) == 3)
            {
                stop.Cancel();
            }
            return StatusSamples.Report();
        });
        await using var _ = endpoint;
        using var output = new StringWriter();

        var code = await PgwayCommand.RunAsync(["status", "--url", $"http://127.0.0.1:{port}", "--watch", "--interval", "1"],
            CliContext.ForWriters(output, output), stop.Token);

        Assert.Equal(0, code);
        Assert.True(Volatile.Read(ref reads) >= 3);
        Assert.Contains("pg-test-replica", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_IntervalBelowOne_Refused()
    {
        var (code, _, error) = await CliRunner.RunAsync("status", "--url", "http://127.0.0.1:1", "--watch", "--interval", "0");

        Assert.NotEqual(0, code);
        Assert.Contains("--interval must be at least 1 second", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_PoolServiceAndAReplicaThatIsNotPrimary_ClientsServersAndANeutralState()
    {
        var sample = StatusSamples.Report();
        var service = sample.Services[0] with
        {
            Name = "pg-test-primary",
            Pooled = true,
            Clients = 0,
            Servers = 8,
            ClientsWaiting = 0,
            Sessions = 8,
            Members = [sample.Services[0].Members[0] with
            {
                State = "down",
                Status = "DOWN",
                Up = false,
                Check = new StatusCheck(false, "L7STS/503", 503, "role replica", 2, StatusSamples.Now, 0),
                RoleMismatch = "not primary",
            }],
        };

        var text = Rendered(sample with { Services = [service] });

        Assert.Contains("pg-test-primary UP *:5434 → pgbouncer · roundrobin  clients 0  waiting 0  servers 8/5/∞", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sessions", text, StringComparison.Ordinal);
        var row = text.Split('\n').Single(l => l.Contains("│ pg-test-2 ", StringComparison.Ordinal));
        Assert.Contains("│ not primary ", row, StringComparison.Ordinal);
        Assert.DoesNotContain("DOWN", row, StringComparison.Ordinal);
    }
}
