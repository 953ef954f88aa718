using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pgway.Admin;
using Microsoft.Extensions.Time.Testing;
using Pgway.Model;

namespace Pgway.Tests.Admin;

/// <summary>The admin endpoint's paths and their basic auth, served on loopback from fixed sources.</summary>
public sealed class AdminEndpointTests
{
    private static readonly AdminCredentials Credentials = new("admin", "s3cret");

    private static async Task<(AdminEndpoint Endpoint, string Url)> StartAsync(AdminCredentials? credentials)
    {
        var port = StatusSamples.FreePort();
        var endpoint = await AdminEndpoint.StartAsync([new AdminListen(new IPEndPoint(IPAddress.Loopback, port), credentials)],
            new AdminSources(() => "# metrics\n", StatusSamples.Report), CancellationToken.None);
        return (endpoint, $"http://127.0.0.1:{port}");
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient http, string url, AdminCredentials? credentials = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url));
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
        }
        return http.SendAsync(request);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/stats")]
    public async Task Get_StatsPage_OneHtmlFileReadingStatusJson(string path)
    {
        var (endpoint, url) = await StartAsync(null);
        await using var _ = endpoint;
        using var http = new HttpClient();

        using var response = await GetAsync(http, url + path);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("fetch(\"status.json\"", html, StringComparison.Ordinal);
        // Nothing from the network: no external script, stylesheet, font or image.
        Assert.DoesNotContain("<script src", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
    }

    // Pigsty's nginx forwards /haproxy/<nodename>/ to the node's haproxy_exporter_port unchanged (its haproxy has
    // "stats uri /haproxy/<nodename>/"): the page answers there, and its relative links (status.json, metrics) too.
    [Theory]
    [InlineData("/haproxy/pg-test-1/", "text/html; charset=utf-8")]
    [InlineData("/haproxy/pg-test-1/status.json", "application/json; charset=utf-8")]
    [InlineData("/haproxy/proxy-2/metrics", "text/plain; version=0.0.4; charset=utf-8")]
    public async Task Get_PigstyNginxPath_AnsweredAsAtTheRoot(string path, string contentType)
    {
        var (endpoint, url) = await StartAsync(Credentials);
        await using var _ = endpoint;
        using var http = new HttpClient();

        using var refused = await GetAsync(http, url + path);
        using var response = await GetAsync(http, url + path, Credentials);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.ToString());
    }

    [Theory]
    [InlineData("/haproxy/")]
    [InlineData("/haproxy/pg-test-1")]
    [InlineData("/haproxy/pg-test-1/other")]
    public async Task Get_PigstyNginxPathWithoutPage_NotFound(string path)
    {
        var (endpoint, url) = await StartAsync(null);
        await using var _ = endpoint;
        using var http = new HttpClient();

        using var response = await GetAsync(http, url + path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Get_StatusJson_TheSourcesDocument()
    {
        var (endpoint, url) = await StartAsync(null);
        await using var _ = endpoint;
        using var http = new HttpClient();

        using var response = await GetAsync(http, url + AdminEndpoint.StatusPath);
        var report = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), StatusJsonContext.Default.StatusReport);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal(["pg-test-replica", "pg-test-default"], report!.Services.Select(s => s.Name));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/stats")]
    [InlineData("/status.json")]
    [InlineData("/metrics")]
    public async Task Get_CredentialsConfigured_AskedForAndChecked(string path)
    {
        var (endpoint, url) = await StartAsync(Credentials);
        await using var _ = endpoint;
        using var http = new HttpClient();

        using var anonymous = await GetAsync(http, url + path);
        using var wrong = await GetAsync(http, url + path, Credentials with { Password = "wrong" });
        using var right = await GetAsync(http, url + path, Credentials);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", Assert.Single(anonymous.Headers.WwwAuthenticate).Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task Get_HealthzWithCredentialsConfigured_Open()
    {
        var (endpoint, url) = await StartAsync(Credentials);
        await using var _ = endpoint;
        using var http = new HttpClient();

        using var response = await GetAsync(http, url + "/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/other")]
    [InlineData("/stats.html")]
    [InlineData("/status")]
    public async Task Get_UnknownPath_NotFound(string path)
    {
        var (endpoint, url) = await StartAsync(Credentials);
        await using var _ = endpoint;
        using var http = new HttpClient();

        using var response = await GetAsync(http, url + path, Credentials);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    // Before: every request built its own report (10,000 parallel requests, 10,000 reports, 145-235 MB held).
    [Theory]
    [InlineData(AdminEndpoint.StatusPath)]
    [InlineData("/metrics")]
    public async Task Get_ManyParallelReadings_OneBuildPerCacheAge(string path)
    {
        var time = new FakeTimeProvider();
        var (statusBuilds, metricsBuilds) = (0, 0);
        var port = StatusSamples.FreePort();
        var sources = new AdminSources(() =>
        {
            Interlocked.Increment(ref metricsBuilds);
            return "# metrics\n";
        }, () =>
        {
            Interlocked.Increment(ref statusBuilds);
            return StatusSamples.Report();
        });
        await using var endpoint = await AdminEndpoint.StartAsync([new AdminListen(new IPEndPoint(IPAddress.Loopback, port), null)], sources,
            AdminEndpointSettings.Default with { Time = time }, CancellationToken.None);
        using var http = new HttpClient();
        int Builds() => path == "/metrics" ? Volatile.Read(ref metricsBuilds) : Volatile.Read(ref statusBuilds);

        var first = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var response = await GetAsync(http, $"http://127.0.0.1:{port}{path}");
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }));
        var afterBurst = Builds();
        time.Advance(AdminEndpointSettings.DefaultCacheAge - TimeSpan.FromMilliseconds(1));
        using (var stillCached = await GetAsync(http, $"http://127.0.0.1:{port}{path}"))
        {
            Assert.Equal(HttpStatusCode.OK, stillCached.StatusCode);
        }
        var beforeAging = Builds();
        time.Advance(TimeSpan.FromMilliseconds(1));
        using (var rebuilt = await GetAsync(http, $"http://127.0.0.1:{port}{path}"))
        {
            Assert.Equal(HttpStatusCode.OK, rebuilt.StatusCode);
        }

        Assert.All(first, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(first.Select(r => r.Item2).Distinct());
        Assert.Equal((1, 1, 2), (afterBurst, beforeAging, Builds()));
    }
}
