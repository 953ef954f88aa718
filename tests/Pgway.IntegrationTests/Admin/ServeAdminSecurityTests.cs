using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Pgway.Admin;
using Pgway.Cli;
using Pgway.Http;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Admin;

/// <summary>
/// A real `pgway serve` process's admin endpoint, without admin credentials in the inventory: who may act
/// (the token it writes, the action header, no other origin), and a burst of monitoring requests that must
/// neither exhaust it nor keep its health agent from answering.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ServeAdminSecurityTests(PgTestClusterFixture fixture) : IDisposable
{
    // Neither Pigsty's 9101 nor 8008 (a HAProxy on this machine, and the agent tests of the shared cluster).
    private const int AdminPort = 9123;
    private const int AgentPort = 18123;
    private const int Burst = 2000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-admin-security-{Guid.NewGuid():N}.yml");
    private readonly string runtimeDirectory = Path.Combine(Path.GetTempPath(), $"pgway-admin-security-{Guid.NewGuid():N}");

    private PgTestCluster Cluster => fixture.Cluster;

    private IPAddress Address => Cluster.Primary.Address;

    private string AdminUrl => $"http://{Address}:{AdminPort}";

    private string PrimaryName => $"{Cluster.Name}-{Cluster.Primary.Seq}";

    public void Dispose()
    {
        File.Delete(file);
        if (Directory.Exists(runtimeDirectory))
        {
            Directory.Delete(runtimeDirectory, recursive: true);
        }
    }

    private async Task<ServeProcess> StartAsync()
    {
        await File.WriteAllTextAsync(file, Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("haproxy_exporter_port", AdminPort.ToString(CultureInfo.InvariantCulture)),
            new("patroni_port", AgentPort.ToString(CultureInfo.InvariantCulture)),
            new("pg_default_services", "[]"),
        ]));
        var serve = ServeProcess.Launch("-c", file, "--node", Address.ToString(), "--no-pooler", "--runtime-dir", runtimeDirectory);
        try
        {
            await Eventually.HoldsAsync(() => serve.Output.Contains("Ctrl-C to stop", StringComparison.Ordinal) || serve.HasExited, Timeout, () => serve.Output);
            Assert.False(serve.HasExited, serve.Output);
            return serve;
        }
        catch
        {
            await serve.DisposeAsync();
            throw;
        }
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(HttpClient http, string path, string? authorization, string? origin = null, bool actionHeader = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(AdminUrl + path));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        if (actionHeader)
        {
            request.Headers.Add(AdminEndpoint.ActionHeader, "1");
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    // Before: any local process (or a web page a browser on the node was led to) could POST /unfence or /switchover.
    [Fact]
    public async Task ServeProcess_NoAdminCredentials_ActionsTakeOnlyTheTokenItWroteAndTheCliReadsIt()
    {
        await using var serve = await StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var tokenFile = AdminTokenFile.PathFor(runtimeDirectory, new IPEndPoint(Address, AdminPort));

        // Written where serve says, for this user only.
        Assert.Contains($"admin token", serve.Output, StringComparison.Ordinal);
        Assert.Contains(tokenFile, serve.Output, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        var token = AdminTokenFile.Read(tokenFile, out var error);
        Assert.True(token is not null, error);

        // Without it, with another, from another origin, or without the action header: refused before anything is done.
        var unfence = $"/unfence?member={PrimaryName}";
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, unfence, null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, unfence, "Bearer guessed")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(http, unfence, token!.Header, origin: "http://evil.example")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(http, unfence, token.Header, actionHeader: false)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, "/switchover?cluster=" + Cluster.Name, null)).Status);
        // With it the action runs: the primary is not fenced, so unfence answers why not.
        var (status, body) = await PostAsync(http, unfence, token.Header, origin: AdminUrl);
        Assert.True(status == HttpStatusCode.Conflict, $"{status}: {body}");
        Assert.Contains("not fenced", body, StringComparison.Ordinal);
        // Reads stay open, as before.
        using (var page = await http.GetAsync(new Uri(AdminUrl + AdminEndpoint.StatusPath)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        // `pgway unfence`, run as the same user, reads the token from the same directory.
        var (printed, errors) = (new StringWriter(), new StringWriter());
        var code = await PgwayCommand.RunAsync(["unfence", "--member", PrimaryName, "--url", AdminUrl, "--runtime-dir", runtimeDirectory],
            CliContext.ForWriters(printed, errors), CancellationToken.None);
        Assert.True(code == 1, $"{printed}{errors}");
        Assert.Contains($"cannot unfence {PrimaryName}: {PrimaryName} is not fenced", errors.ToString(), StringComparison.Ordinal);

        // Stopped (SIGTERM), it takes its token away.
        await serve.StopAsync();
        Assert.True(serve.HasExited, serve.Output);
        Assert.False(File.Exists(tokenFile), serve.Output);
    }

    // Before: 10,000 parallel /status.json requests were all served at once (RSS +145-235 MB, never
    // returned) and the health agent answered in 1.39 s meanwhile. Now the connections past the limit
    // are closed on accept, the agent answers on its own limit, and the process lives on.
    [Fact]
    public async Task ServeProcess_BurstOfStatusRequests_ExcessRefusedAgentAnswersProcessLives()
    {
        await using var serve = await StartAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var request = Encoding.ASCII.GetBytes($"GET {AdminEndpoint.StatusPath} HTTP/1.1\r\nHost: {Address}:{AdminPort}\r\n\r\n");
        var held = new List<Socket>();
        try
        {
            // Each connection sends a request and, once answered, stays open: the answered ones fill the limit.
            var outcomes = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => Task.Run(() => AskAsync(request, limit.Token))));
            held.AddRange(outcomes.OfType<Socket>());
            var refused = outcomes.Count(o => o is null);

            // Meanwhile (the admin endpoint full), the health agent answers, whatever the instance's state.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using (var agent = await http.GetAsync(new Uri($"http://{Address}:{AgentPort}/health")))
            {
                // An answer, its status whatever the instance's state: the point is that it comes.
                Assert.True(agent.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"agent answered {agent.StatusCode}");
            }

            Assert.True(refused > 0, $"all {Burst} connections were served at once");
            Assert.True(held.Count >= HttpEndpointLimits.Admin.MaxConnections, $"only {held.Count} of {Burst} answered (limit {HttpEndpointLimits.Admin.MaxConnections})");
            Assert.False(serve.HasExited, serve.Output);
        }
        finally
        {
            foreach (var socket in held)
            {
                socket.Dispose();
            }
        }

        // Released, the endpoint answers again; the process lived through it.
        using var after = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                using var response = await after.GetAsync(new Uri(AdminUrl + "/healthz"));
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, Timeout, () => serve.Output);
        Assert.False(serve.HasExited, serve.Output);
    }

    // The socket when answered 200 (kept open), null when closed or reset without an answer.
    private async Task<Socket?> AskAsync(byte[] request, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(Address, AdminPort, cancellationToken);
            await socket.SendAsync(request, SocketFlags.None, cancellationToken);
            var head = new byte[12];
            var read = 0;
            while (read < head.Length)
            {
                var n = await socket.ReceiveAsync(head.AsMemory(read), SocketFlags.None, cancellationToken);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            if (read == head.Length && Encoding.ASCII.GetString(head) == "HTTP/1.1 200")
            {
                return socket;
            }
        }
        catch (SocketException)
        {
            // Reset: refused as well.
        }
        socket.Dispose();
        return null;
    }
}
