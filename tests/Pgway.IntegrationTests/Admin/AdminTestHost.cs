using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Admin;

/// <summary>
/// A GatewayHost serving every node of a test cluster with its admin endpoint on <c>haproxy_exporter_port</c>,
/// SQL checks (no agents: the agent tests of the shared cluster own port 8008) and the pooler for dbuser_meta.
/// </summary>
internal static class AdminTestHost
{
    /// <summary>Pigsty's four default services, bound on the primary's address, with the given check timing.</summary>
    public static string DefaultServices(PgTestCluster cluster, string options)
    {
        var ip = cluster.Primary.Address;
        string Service(string name, int port, string dest, string selector, string? backup, string check) =>
            $"{{name: {name}, port: {port}, ip: '{ip}', dest: {dest}, selector: '{selector}', {(backup is null ? "" : $"backup: '{backup}', ")}" +
            $"check: {check}, check_method: postgres, options: '{options}'}}";
        return "[" + string.Join(", ",
            Service("primary", 5433, "pgbouncer", "[]", null, "/primary"),
            Service("replica", 5434, "pgbouncer", "[]", "[? pg_role == `primary` || pg_role == `offline` ]", "/read-only"),
            Service("default", 5436, "postgres", "[]", null, "/primary"),
            Service("offline", 5438, "postgres", "[? pg_role == `offline` || pg_offline_query ]", "[? pg_role == `replica` && !pg_offline_query]", "/replica")) + "]";
    }

    /// <summary>Starts the host and waits until every member has been checked once.</summary>
    public static async Task<GatewayHost> StartAsync(PgTestCluster cluster, int adminPort, string services, bool runAdmin = true, params KeyValuePair<string, string>[] adminVariables)
    {
        var inventory = InventoryLoader.LoadText(cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
            new("haproxy_exporter_port", adminPort.ToString(CultureInfo.InvariantCulture)),
            .. adminVariables,
            new("pg_default_services", services),
        ]), "admin.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var options = new GatewayOptions([.. cluster.Instances.Select(i => i.Address.ToString())], RunAgents: false,
            HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty)
        {
            RunAdmin = runAdmin,
        };
        var host = await GatewayHost.StartAsync(inventory.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        try
        {
            await Eventually.HoldsAsync(() => host.Snapshot().All(s => s.Members.All(m => m.Health?.LastResult is not null)),
                TimeSpan.FromSeconds(30), () => Describe(host));
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every member's state and last check, for failure messages.</summary>
    public static string Describe(GatewayHost host) =>
        string.Join("; ", host.Snapshot().SelectMany(s => s.Members.Select(m => $"{s.Service}/{m.Name} {m.Status} {m.Health?.LastResult?.Reason}")));

    /// <summary>A connection through a service of the host (on the primary's address), for traffic the pages can show.</summary>
    public static async Task<NpgsqlConnection> OpenThroughAsync(PgTestCluster cluster, int port)
    {
        var builder = cluster.ConnectionStringBuilder(cluster.Primary, PgTestUsers.Meta, PgTestUsers.TestDatabase);
        builder.Port = port;
        builder.Pooling = false;
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public static Task<HttpResponseMessage> GetAsync(HttpClient http, string url, string? userAndPassword = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url));
        if (userAndPassword is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userAndPassword)));
        }
        return http.SendAsync(request);
    }
}
