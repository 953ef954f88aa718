using System.Globalization;
using System.Net;
using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Hosting;

/// <summary>
/// Pigsty's <c>pg_service_provider</c> with a real <c>pgway serve</c>: a process for a proxy node (a node of the
/// provider group, no instance of its own) serves the cluster's service, splicing to the database node, and shows
/// it on its stats page at Pigsty's nginx path.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ServeServiceProviderTests(PgTestClusterFixture fixture) : IDisposable
{
    private const int ServicePort = 15481;
    // Neither Pigsty's 9101 (a HAProxy may run on this machine) nor another test's.
    private const int AdminPort = 9131;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly LoopbackBlock proxy = LoopbackBlockAllocator.Shared.Reserve(1, [ServicePort, AdminPort]);
    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-provider-{Guid.NewGuid():N}.yml");
    private readonly string runtimeDirectory = Path.Combine(Path.GetTempPath(), $"pgway-provider-{Guid.NewGuid():N}");

    private PgTestCluster Cluster => fixture.Cluster;

    private IPAddress Proxy => proxy.Addresses[0];

    public void Dispose()
    {
        proxy.Dispose();
        File.Delete(file);
        if (Directory.Exists(runtimeDirectory))
        {
            Directory.Delete(runtimeDirectory, recursive: true);
        }
    }

    private string Inventory() =>
        Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_service_provider", "proxy"),
            new("pg_default_services", $"[{{name: primary, port: {ServicePort}, ip: '{Proxy}', dest: postgres, selector: '[? pg_role == `primary`]', " +
                "check: /primary, check_method: postgres, options: 'inter 1s fastinter 500ms rise 1 fall 3'}]"),
        ]) +
        // The provider group, after the cluster's, as Pigsty's prod template lists its proxy nodes.
        "    proxy:\n" +
        "      hosts:\n" +
        $"        {Proxy}: {{ nodename: proxy-1, haproxy_exporter_port: {AdminPort.ToString(CultureInfo.InvariantCulture)} }}\n";

    // Before: serve refused a node without an instance ("no instance on node"), and the database nodes ran the service.
    [Fact]
    public async Task Serve_ProxyNode_ServesTheClustersServiceAndItsStatsPage()
    {
        await File.WriteAllTextAsync(file, Inventory());
        await using var serve = ServeProcess.Launch("-c", file, "--node", Proxy.ToString(), "--no-pooler", "--no-agent", "--runtime-dir", runtimeDirectory);
        await Eventually.HoldsAsync(() => serve.Output.Contains("Ctrl-C to stop", StringComparison.Ordinal) || serve.HasExited, Timeout, () => serve.Output);
        Assert.False(serve.HasExited, serve.Output);

        // The service on the proxy node reaches the primary on its own node.
        var builder = Cluster.ConnectionStringBuilder(Cluster.Primary, PgTestUsers.Dba, PgTestUsers.TestDatabase);
        builder.Host = Proxy.ToString();
        builder.Port = ServicePort;
        builder.Pooling = false;
        builder.Timeout = 10;
        string? served = null;
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT host(inet_server_addr())", connection);
                served = (string?)await command.ExecuteScalarAsync();
                return true;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                return false;
            }
        }, Timeout, () => serve.Output);
        Assert.Equal(Cluster.Primary.Address.ToString(), served);

        // Its stats page answers at the path Pigsty's nginx forwards (/haproxy/<nodename>/), naming the service.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var page = await http.GetAsync(new Uri($"http://{Proxy}:{AdminPort}/haproxy/proxy-1/"));
        var status = await http.GetStringAsync(new Uri($"http://{Proxy}:{AdminPort}/haproxy/proxy-1/status.json"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains($"{Cluster.Name}-primary", status, StringComparison.Ordinal);
    }
}
