using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using Pgway.Admin;
using Pgway.Cli;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Admin;

/// <summary>The admin endpoint's status document and `pgway status`, against a live cluster served by a GatewayHost.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class StatusEndpointTests(PgTestClusterFixture fixture)
{
    // Not Pigsty's 9101 (a HAProxy on this machine may hold it), nor the metrics tests' port.
    private const int AdminPort = 9112;
    private const string Timing = "inter 1s fastinter 500ms downinter 1s rise 1 fall 1";

    private PgTestCluster Cluster => fixture.Cluster;

    private string Url => $"http://{Cluster.Primary.Address}:{AdminPort}";

    private string Member(PgInstance instance) => $"{Cluster.Name}-{instance.Seq}";

    private static async Task<StatusReport> ReadAsync(HttpClient http, string url, string? userAndPassword = null)
    {
        using var response = await AdminTestHost.GetAsync(http, url, userAndPassword);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), StatusJsonContext.Default.StatusReport)!;
    }

    [Fact]
    public async Task StatusJson_LiveCluster_EveryServiceAndMemberWithItsState()
    {
        await using var host = await AdminTestHost.StartAsync(Cluster, AdminPort, AdminTestHost.DefaultServices(Cluster, Timing));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var (primary, replica, offline) = (Cluster.Primary, Cluster.Instance(2), Cluster.Instance(3));

        var report = await ReadAsync(http, Url + "/status.json");

        Assert.Equal(["primary", "replica", "default", "offline"], report.Services.Select(s => s.Name[(Cluster.Name.Length + 1)..]));
        var byName = report.Services.ToDictionary(s => s.Name[(Cluster.Name.Length + 1)..]);
        Assert.Equal((5433, "pgbouncer", primary.Address.ToString()), (byName["primary"].Port, byName["primary"].Destination, byName["primary"].Bind));
        Assert.All(report.Services, s => Assert.True(s.Up, s.Name));
        // The primary service: only the primary is up; the replicas failed /primary, with the reason.
        var primaryService = byName["primary"].Members.ToDictionary(m => m.Name);
        Assert.Equal(("up", true), (primaryService[Member(primary)].State, primaryService[Member(primary)].Check!.Passed));
        foreach (var other in new[] { replica, offline })
        {
            var member = primaryService[Member(other)];
            Assert.Equal(("down", false, false), (member.State, member.Up, member.Check!.Passed));
            Assert.Equal("L7STS/503", member.Check.Reason);
            // Healthy, answering, and no primary: said so, apart from a failure.
            Assert.Equal("not primary", member.RoleMismatch);
        }
        // The replica service: the replica active and up, the primary and the offline replica backups that are up.
        var replicaService = byName["replica"].Members.ToDictionary(m => m.Name);
        Assert.Equal(("up", false), (replicaService[Member(replica)].State, replicaService[Member(replica)].Backup));
        Assert.Equal(("up", true), (replicaService[Member(primary)].State, replicaService[Member(primary)].Backup));
        // The replicas' first checks took them down in the primary service: events, in HAProxy's words.
        Assert.Contains(report.Events, e => e.Service == $"{Cluster.Name}-primary" && e.Member == Member(replica) && e.To == "down"
            && e.Message.StartsWith($"{Cluster.Name}-primary/{Member(replica)} is DOWN, reason: L7STS/503", StringComparison.Ordinal));
        Assert.Equal(Cluster.Instances.Count, report.Poolers.Count);
    }

    [Fact]
    public async Task StatusJson_ClientThroughAService_SessionsAndItsPool()
    {
        await using var host = await AdminTestHost.StartAsync(Cluster, AdminPort, AdminTestHost.DefaultServices(Cluster, Timing));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var connection = await AdminTestHost.OpenThroughAsync(Cluster, 5433);
        await using (var command = new NpgsqlCommand("SELECT 1", connection))
        {
            await command.ExecuteScalarAsync();
        }

        StatusReport report = null!;
        await Eventually.HoldsAsync(async () =>
        {
            report = await ReadAsync(http, Url + "/status.json");
            return report.Poolers.Single(p => p.Instance == Member(Cluster.Primary)).Pools
                .Any(p => p.Database == PgTestUsers.TestDatabase && p.User == PgTestUsers.Meta && p.ClientsActive == 1 && p.Queries >= 1);
        }, TimeSpan.FromSeconds(30), () => JsonSerializer.Serialize(report, StatusJsonContext.Default.StatusReport));

        var service = report.Services.Single(s => s.Name == $"{Cluster.Name}-primary");
        Assert.Equal((1, 1), (service.Sessions, service.Members.Single(m => m.Name == Member(Cluster.Primary)).Sessions));
    }

    [Fact]
    public async Task Admin_CredentialsInInventory_PageStatusAndMetricsAskForThem()
    {
        await using var host = await AdminTestHost.StartAsync(Cluster, AdminPort, AdminTestHost.DefaultServices(Cluster, Timing), runAdmin: true,
            new("haproxy_admin_username", "viewer"), new("haproxy_admin_password", "'s3cret'"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        foreach (var path in new[] { "/", "/stats", "/status.json", "/metrics" })
        {
            using var anonymous = await AdminTestHost.GetAsync(http, Url + path);
            using var wrong = await AdminTestHost.GetAsync(http, Url + path, "viewer:wrong");
            using var right = await AdminTestHost.GetAsync(http, Url + path, "viewer:s3cret");
            Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK), (anonymous.StatusCode, wrong.StatusCode, right.StatusCode));
        }
        using var health = await AdminTestHost.GetAsync(http, Url + "/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var page = await (await AdminTestHost.GetAsync(http, Url + "/", "viewer:s3cret")).Content.ReadAsStringAsync();
        Assert.Contains("<title>pgway stats</title>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusCommand_LiveCluster_PrintsEveryServiceAndMember()
    {
        await using var host = await AdminTestHost.StartAsync(Cluster, AdminPort, AdminTestHost.DefaultServices(Cluster, Timing), runAdmin: true,
            new("haproxy_admin_username", "viewer"), new("haproxy_admin_password", "'s3cret'"));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await PgwayCommand.RunAsync(["status", "--url", Url, "--user", "viewer", "--password", "s3cret"], CliContext.ForWriters(output, error));

        Assert.True(code == 0, error.ToString());
        var text = output.ToString();
        foreach (var service in host.Snapshot())
        {
            Assert.Contains(service.Service, text, StringComparison.Ordinal);
        }
        // In the primary service (the first table) the healthy replica is "not primary", not DOWN as HAProxy shows it.
        var notPrimary = text.Split('\n').First(l => l.Contains($"│ {Member(Cluster.Instance(2))} ", StringComparison.Ordinal));
        Assert.Contains("│ not primary ", notPrimary, StringComparison.Ordinal);
        Assert.DoesNotContain("DOWN", notPrimary, StringComparison.Ordinal);
        Assert.Contains("L7STS/503", notPrimary, StringComparison.Ordinal);
        Assert.Contains(" BACKUP ", text, StringComparison.Ordinal);
        Assert.Contains($"{Cluster.Name}-primary/{Member(Cluster.Instance(2))} is DOWN", text, StringComparison.Ordinal);

        var (refused, refusedError) = (await PgwayCommand.RunAsync(["status", "--url", Url], CliContext.ForWriters(TextWriter.Null, error)), error.ToString());
        Assert.Equal(1, refused);
        Assert.Contains("asks for credentials", refusedError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusMetricsAndCommand_PoolServiceWithServersAndNoClient_ClientsZeroServersApart()
    {
        // fall 3: one check slowed by a loaded machine must not fence the primary, which would close the pool's servers.
        var services = $"[{{name: primary, port: 5433, ip: '{Cluster.Primary.Address}', dest: pool, selector: '[]', check: /primary, " +
            "check_method: postgres, options: 'inter 1s fastinter 500ms downinter 1s rise 1 fall 3'}]";
        await using var host = await AdminTestHost.StartAsync(Cluster, AdminPort, services);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // A client that has come and gone: the pooler keeps its server connection, and no client is left.
        await using (var connection = await AdminTestHost.OpenThroughAsync(Cluster, 5433))
        await using (var command = new NpgsqlCommand("SELECT 1", connection))
        {
            await command.ExecuteScalarAsync();
        }
        var name = $"{Cluster.Name}-primary";

        // Read as JSON text: the fields a script reads, by their names.
        var service = default(JsonElement);
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await AdminTestHost.GetAsync(http, Url + "/status.json");
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            service = document.RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name).Clone();
            return service.GetProperty("sessions").GetInt32() >= 1 && service.TryGetProperty("clients", out var clients) && clients.GetInt32() == 0;
        }, TimeSpan.FromSeconds(30), () => service.ToString());
        Assert.True(service.GetProperty("pooled").GetBoolean());
        Assert.Equal(service.GetProperty("sessions").GetInt32(), service.GetProperty("servers").GetInt32());

        using var scrape = await AdminTestHost.GetAsync(http, Url + "/metrics");
        var metrics = await scrape.Content.ReadAsStringAsync();
        string Sample(string family) => metrics.Split('\n').Single(l => l.StartsWith($"{family}{{service=\"{name}\"}} ", StringComparison.Ordinal)).Split(' ')[1];
        Assert.Equal("0", Sample("pgway_service_current_clients"));
        Assert.True(int.Parse(Sample("pgway_service_current_servers"), CultureInfo.InvariantCulture) >= 1,
            $"servers {Sample("pgway_service_current_servers")}, sessions {Sample("pgway_service_current_sessions")}; {AdminTestHost.Describe(host)}");

        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await PgwayCommand.RunAsync(["status", "--url", Url], CliContext.ForWriters(output, error));
        Assert.True(code == 0, error.ToString());
        var heading = output.ToString().Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        Assert.Contains("clients 0 ", heading, StringComparison.Ordinal);
        Assert.Matches("servers [1-9]", heading);
        Assert.DoesNotContain("sessions", heading, StringComparison.Ordinal);
    }
}
