using System.Net;
using System.Text.Json;
using Pgway.Agent;
using Pgway.Health;
using Pgway.Model;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Agent;

/// <summary>pgway's agents for a test cluster's instances, and the two ways checks reach them.</summary>
internal static class TestAgents
{
    public const int Port = 8008;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public static AgentOptions Options(PgTestCluster cluster, PgInstance instance, int port = Port, NodeTags? tags = null)
    {
        var connection = cluster.ConnectionStringBuilder(instance, PgTestUsers.Monitor);
        connection.Pooling = true;
        return new AgentOptions(new IPEndPoint(instance.Address, port),
            new InstanceStatusReaderOptions(connection.ConnectionString, TimeSpan.FromSeconds(2)),
            tags ?? NodeTags.None, cluster.Name, instance.Name, InstanceStatusCache.DefaultMaxAge);
    }

    public static Task<AgentServer> StartAsync(IEnumerable<AgentOptions> options, Microsoft.Extensions.Logging.ILogger<PatroniAgent>? logger = null) =>
        AgentServer.StartAsync([.. options.Select(o => new PatroniAgent(o, TimeProvider.System, logger))], CancellationToken.None);

    /// <summary>GET, as a person or a dashboard asks: the status code and the JSON body.</summary>
    public static Task<(int Status, JsonElement Body)> GetAsync(PgInstance instance, string pathAndQuery, int port = Port) =>
        GetAsync(instance.Address, pathAndQuery, port);

    public static async Task<(int Status, JsonElement Body)> GetAsync(IPAddress address, string pathAndQuery, int port = Port)
    {
        using var response = await Http.GetAsync(new Uri($"http://{address}:{port}{pathAndQuery}"));
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return ((int)response.StatusCode, body);
    }

    /// <summary>OPTIONS over HTTP/1.0, as HAProxy's <c>option httpchk</c> asks: the status code only.</summary>
    public static async Task<CheckResult> CheckAsync(PgInstance instance, string pathAndQuery, string method = "OPTIONS", int port = Port)
    {
        await using var probe = new HttpHealthProbe(new CheckTarget(HealthCheckKind.Http, instance.Address.ToString(), port, method, pathAndQuery), TimeProvider.System);
        return await probe.ProbeAsync(new CheckDeadlines(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15)), CancellationToken.None);
    }

    /// <summary>Asks until the answer is the expected one (state changes reach the agent within its cache interval).</summary>
    public static async Task<int> WaitForStatusAsync(PgInstance instance, string pathAndQuery, int expected, int port = Port, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        int status;
        do
        {
            status = (await CheckAsync(instance, pathAndQuery, port: port)).Code ?? 0;
            if (status == expected)
            {
                return status;
            }
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        return status;
    }
}
