using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Pgway.Admin;
using Pgway.Model;
using Pgway.Switchover;

namespace Pgway.Tests.Admin;

/// <summary>The admin endpoint's actions: POST only, behind the endpoint's basic auth, their answers.</summary>
public sealed class AdminActionsTests
{
    private static async Task<(AdminEndpoint Endpoint, string Url, List<string> Calls)> StartAsync(AdminCredentials? credentials)
    {
        var port = StatusSamples.FreePort();
        var calls = new List<string>();
        var endpoint = await AdminEndpoint.StartAsync([new AdminListen(new IPEndPoint(IPAddress.Loopback, port), credentials)],
            new AdminSources(() => "", StatusSamples.Report)
            {
                Switchover = (cluster, to, options, _) =>
                {
                    calls.Add($"switchover {cluster} {to ?? "-"} {options.WaitTimeout.TotalSeconds} {options.SwitchTimeout.TotalSeconds}");
                    return Task.FromResult(new SwitchoverResult(cluster, cluster == "pg-test", "patroni", "pg-test-1", "pg-test-2", 1, 2, [],
                        cluster == "pg-test" ? null : $"unknown cluster '{cluster}'"));
                },
                Unfence = (member, force, _) =>
                {
                    calls.Add($"unfence {member}{(force ? " forced" : "")}");
                    return Task.FromResult(member == "pg-test-1" ? null : $"{member} is not fenced");
                },
            },
            CancellationToken.None);
        return (endpoint, $"http://127.0.0.1:{port}", calls);
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string url, AdminCredentials? credentials = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, new Uri(url));
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
        }
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/switchover?cluster=pg-test&to=pg-test-2&wait_timeout=3", HttpStatusCode.OK, "\"newPrimary\":\"pg-test-2\"", "switchover pg-test pg-test-2 3 60")]
    [InlineData("/switchover?cluster=pg-nope", HttpStatusCode.Conflict, "\"succeeded\":false", "switchover pg-nope - 10 60")]
    [InlineData("/switchover", HttpStatusCode.BadRequest, "say which cluster", null)]
    [InlineData("/switchover?cluster=pg-test&wait_timeout=-1", HttpStatusCode.BadRequest, "wait_timeout and switch_timeout are seconds", null)]
    [InlineData("/unfence?member=pg-test-1", HttpStatusCode.OK, "pg-test-1 is no longer fenced", "unfence pg-test-1")]
    [InlineData("/unfence?member=pg-test-2", HttpStatusCode.Conflict, "pg-test-2 is not fenced", "unfence pg-test-2")]
    public async Task Post_Actions_AnsweredByOutcome(string path, HttpStatusCode status, string contains, string? call)
    {
        var (endpoint, url, calls) = await StartAsync(null);
        await using var _ = endpoint;

        var (got, body) = await SendAsync(HttpMethod.Post, url + path);

        Assert.Equal(status, got);
        Assert.Contains(contains, body, StringComparison.Ordinal);
        Assert.Equal(call is null ? [] : [call], calls);
    }

    // Found by the fuzzer (bench/fuzz, target admin): these threw (an OverflowException here, or
    // CancelAfter's ArgumentOutOfRangeException once the switchover began) and the client got a 500.
    [Theory]
    [InlineData("wait_timeout=1e300")]
    [InlineData("switch_timeout=Infinity")]
    [InlineData("switch_timeout=5000000")]
    public async Task Post_SwitchoverTimeoutBeyondATimer_BadRequestNothingDone(string timeout)
    {
        var (endpoint, url, calls) = await StartAsync(null);
        await using var _ = endpoint;

        var (status, body) = await SendAsync(HttpMethod.Post, url + "/switchover?cluster=pg-test&" + timeout);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("at most 4294967", body, StringComparison.Ordinal);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Get_Action_MethodNotAllowedNothingDone()
    {
        var (endpoint, url, calls) = await StartAsync(null);
        await using var _ = endpoint;

        var (status, _) = await SendAsync(HttpMethod.Get, url + "/switchover?cluster=pg-test");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Post_EndpointWithCredentials_UnauthorizedWithoutThem()
    {
        var credentials = new AdminCredentials("admin", "s3cret");
        var (endpoint, url, calls) = await StartAsync(credentials);
        await using var _ = endpoint;

        var (refused, _) = await SendAsync(HttpMethod.Post, url + "/unfence?member=pg-test-1");
        var (accepted, _) = await SendAsync(HttpMethod.Post, url + "/unfence?member=pg-test-1", credentials);

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (refused, accepted));
        Assert.Equal(["unfence pg-test-1"], calls);
    }
}
