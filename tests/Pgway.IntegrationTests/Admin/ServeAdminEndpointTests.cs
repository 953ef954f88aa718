using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Npgsql;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Admin;

/// <summary>`pgway serve`'s admin endpoint on haproxy_exporter_port: /healthz, /metrics and its basic auth, scraped over HTTP.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed partial class ServeAdminEndpointTests(PgTestClusterFixture fixture)
{
    // Not Pigsty's 9101: a HAProxy on this machine may hold it on every address.
    private const int AdminPort = 9111;
    private const int ServicePort = 5433;

    private PgTestCluster Cluster => fixture.Cluster;

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();

    [Fact]
    public async Task Serve_ScrapeWithCredentials_ServicesMembersAndPoolsAsSamples()
    {
        var primary = Cluster.Primary;
        await using var host = await StartAsync(new("haproxy_admin_username", "scraper"), new("haproxy_admin_password", "'pa\"ss:word'"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var metricsUrl = $"http://{primary.Address}:{AdminPort}/metrics";

        // /healthz is open; /metrics asks for the credentials and refuses wrong ones.
        var health = await http.GetAsync(new Uri($"http://{primary.Address}:{AdminPort}/healthz"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok\n", await health.Content.ReadAsStringAsync());
        var anonymous = await http.GetAsync(new Uri(metricsUrl));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", Assert.Single(anonymous.Headers.WwwAuthenticate).Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ScrapeAsync(http, metricsUrl, "scraper:wrong")).StatusCode);

        // A client through the primary service (dest pgbouncer) to the primary's pooler, held open while scraping.
        await using var connection = await AdminTestHost.OpenThroughAsync(Cluster, ServicePort);
        await using (var command = new NpgsqlCommand("SELECT 1", connection))
        {
            await command.ExecuteScalarAsync();
        }

        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var lastText = "";
        var primaryMember = $"{Cluster.Name}-{primary.Seq}";
        var pool = $"instance=\"{primaryMember}\",database=\"{PgTestUsers.TestDatabase}\",user=\"{PgTestUsers.Meta}\"";
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await ScrapeAsync(http, metricsUrl, "scraper:pa\"ss:word");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            lastText = await response.Content.ReadAsStringAsync();
            samples = Parse(lastText);
            return samples.GetValueOrDefault($"pgway_pool_clients_active{{{pool}}}") >= 1
                && samples.GetValueOrDefault($"haproxy_server_current_sessions{{proxy=\"{Cluster.Name}-primary\",server=\"{primaryMember}\"}}") == 1;
        }, TimeSpan.FromSeconds(30), () => lastText);

        Assert.Equal(1, samples[$"haproxy_server_status{{proxy=\"{Cluster.Name}-primary\",server=\"{primaryMember}\"}}"]);
        Assert.Equal(1, samples[$"pgway_member_up{{service=\"{Cluster.Name}-primary\",member=\"{primaryMember}\"}}"]);
        Assert.Equal(1, samples[$"pgway_service_up{{service=\"{Cluster.Name}-primary\"}}"]);
        Assert.Equal(0, samples[$"haproxy_backend_current_queue{{proxy=\"{Cluster.Name}-primary\"}}"]);
        Assert.Equal(0, samples[$"pgway_pool_clients_waiting{{{pool}}}"]);
        Assert.InRange(samples[$"pgway_pool_servers_active{{{pool}}}"] + samples[$"pgway_pool_servers_idle{{{pool}}}"], 1, 2);
        Assert.True(samples[$"pgway_pool_queries_total{{{pool}}}"] >= 1, lastText);
        Assert.True(samples[$"pgway_member_check_duration_seconds{{service=\"{Cluster.Name}-primary\",member=\"{primaryMember}\"}}"] > 0, lastText);
        // Every replica is down for the primary service, and says so.
        foreach (var replica in Cluster.Instances.Where(i => i != primary))
        {
            Assert.Equal(0, samples[$"haproxy_server_status{{proxy=\"{Cluster.Name}-primary\",server=\"{Cluster.Name}-{replica.Seq}\"}}"]);
        }
    }

    [Fact]
    public async Task Serve_NoCredentialsInInventory_MetricsOpenOnEveryHostedNode()
    {
        await using var host = await StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        Assert.Equal(Cluster.Instances.Count, host.AdminUrls.Count);
        foreach (var instance in Cluster.Instances)
        {
            var text = await http.GetStringAsync(new Uri($"http://{instance.Address}:{AdminPort}/metrics"));
            Assert.Contains($"haproxy_server_status{{proxy=\"{Cluster.Name}-primary\",server=\"{Cluster.Name}-{instance.Seq}\"}}", text, StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"http://{Cluster.Primary.Address}:{AdminPort}/other"))).StatusCode);
    }

    [Fact]
    public async Task Serve_AdminOff_NothingListensOnTheAdminPort()
    {
        await using var host = await StartHostAsync(runAdmin: false);

        Assert.Empty(host.AdminUrls);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(async () => await socket.ConnectAsync(Cluster.Primary.Address, AdminPort));
    }

    private Task<GatewayHost> StartAsync(params KeyValuePair<string, string>[] adminVariables) => StartHostAsync(runAdmin: true, adminVariables);

    private Task<GatewayHost> StartHostAsync(bool runAdmin, params KeyValuePair<string, string>[] adminVariables) =>
        AdminTestHost.StartAsync(Cluster, AdminPort,
            $"[{{name: primary, port: {ServicePort}, ip: '{Cluster.Primary.Address}', dest: pgbouncer, selector: '[]', check: /primary, " +
            "check_method: postgres, options: 'inter 1s fastinter 500ms rise 1 fall 3'}]", runAdmin, adminVariables);

    private static Task<HttpResponseMessage> ScrapeAsync(HttpClient http, string url, string userAndPassword) => AdminTestHost.GetAsync(http, url, userAndPassword);

    // Checks the format while reading it: every line a comment or `name{labels} value`, every sample's family typed first.
    private static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var typed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                typed.Add(line.Split(' ')[2]);
                continue;
            }
            if (line.StartsWith('#'))
            {
                continue;
            }
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            Assert.Contains(match.Groups["name"].Value, typed);
            var key = line[..line.LastIndexOf(' ')];
            Assert.True(samples.TryAdd(key, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)), $"sample twice: {key}");
        }
        return samples;
    }
}
