using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Pgway.Admin;
using Pgway.Model;
using Pgway.Switchover;

namespace Pgway.Tests.Admin;

/// <summary>
/// The admin endpoint's actions: POST only, behind the endpoint's basic auth or, without it, its token; never
/// for another origin or without the action header (what a web page could send); their answers.
/// </summary>
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

    // As `pgway switchover` sends it: the action header and the credentials, or else the token.
    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string url, AdminCredentials? credentials = null,
        AdminToken? token = null, string? origin = null, bool actionHeader = true)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, new Uri(url));
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
        }
        else if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(AdminToken.Scheme, token.Value);
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

        var (got, body) = await SendAsync(HttpMethod.Post, url + path, token: endpoint.Token);

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

        var (status, body) = await SendAsync(HttpMethod.Post, url + "/switchover?cluster=pg-test&" + timeout, token: endpoint.Token);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("at most 4294967", body, StringComparison.Ordinal);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Get_Action_MethodNotAllowedNothingDone()
    {
        var (endpoint, url, calls) = await StartAsync(null);
        await using var _ = endpoint;

        var (status, _) = await SendAsync(HttpMethod.Get, url + "/switchover?cluster=pg-test", token: endpoint.Token);

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

    // Before: without credentials any loopback client acted, with nothing to prove.
    [Theory]
    [InlineData(null)]
    [InlineData("Bearer not-the-token")]
    [InlineData("Basic YWRtaW46czNjcmV0")]
    public async Task Post_NoCredentialsConfigured_UnauthorizedWithoutTheTokenNothingDone(string? authorization)
    {
        var (endpoint, url, calls) = await StartAsync(null);
        await using var _ = endpoint;
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/unfence?member=pg-test-1"));
        request.Headers.Add(AdminEndpoint.ActionHeader, "1");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Contains("actions need the token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(calls);
    }

    // Before: a page on another site, opened in a browser on the node, could POST here (a form or fetch with no-cors).
    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://localhost:{port}")]
    [InlineData("null")]
    [InlineData("https://127.0.0.1:{port}")]
    [InlineData("http://127.0.0.1:1")]
    public async Task Post_ForeignOrigin_ForbiddenEvenWithTheTokenNothingDone(string origin)
    {
        var (endpoint, url, calls) = await StartAsync(null);
        await using var _ = endpoint;
        var port = new Uri(url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (status, body) = await SendAsync(HttpMethod.Post, url + "/unfence?member=pg-test-1", token: endpoint.Token, origin: origin.Replace("{port}", port, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("another origin", body, StringComparison.Ordinal);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Post_OwnOrigin_Accepted()
    {
        var (endpoint, url, calls) = await StartAsync(null);
        await using var _ = endpoint;

        var (status, _) = await SendAsync(HttpMethod.Post, url + "/unfence?member=pg-test-1", token: endpoint.Token, origin: url);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["unfence pg-test-1"], calls);
    }

    // Before: a CORS-simple request (no custom header: what an HTML form or a no-cors fetch sends) acted.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_WithoutActionHeader_ForbiddenWithCredentialsOrTokenNothingDone(bool withCredentials)
    {
        var credentials = new AdminCredentials("admin", "s3cret");
        var (endpoint, url, calls) = await StartAsync(withCredentials ? credentials : null);
        await using var _ = endpoint;

        var (status, body) = await SendAsync(HttpMethod.Post, url + "/unfence?member=pg-test-1", withCredentials ? credentials : null, endpoint.Token, actionHeader: false);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains($"actions need the header {AdminEndpoint.ActionHeader}", body, StringComparison.Ordinal);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Post_EndpointWithCredentials_TheTokenIsNotEnough()
    {
        var (endpoint, url, calls) = await StartAsync(new AdminCredentials("admin", "s3cret"));
        await using var _ = endpoint;

        var (status, _) = await SendAsync(HttpMethod.Post, url + "/unfence?member=pg-test-1", token: endpoint.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Empty(calls);
    }
}
