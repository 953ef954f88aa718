using System.Net;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Pooling;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Hosting;

/// <summary>
/// A console command that arrives while <c>pgway serve</c> is still starting: the node's pooler accepts as soon as it
/// is up, and its console's RELOAD waits until the whole host runs, then reloads all of it.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ServeStartupTests(PgTestClusterFixture fixture) : IDisposable
{
    private const int PoolerPort = 16482;
    private const int ServicePort = 15482;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-startup-{Guid.NewGuid():N}.yml");

    private PgTestCluster Cluster => fixture.Cluster;

    private string Entry => Cluster.Primary.Address.ToString();

    private string Inventory(int poolSize) => Cluster.ToInventoryYaml([
        new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
        new("pg_users", $"[{{name: {PgTestUsers.Dba}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Dba)}', pgbouncer: true}}]"),
        new("pgbouncer_port", PoolerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        // The test's console client logs in with a plain password.
        new("pgbouncer_auth_type", "plain"),
        new("pgbouncer_default_pool_size", poolSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("pg_default_services", $"[{{name: early, port: {ServicePort}, ip: '{Entry}', dest: postgres, selector: '[? pg_role == `primary`]', check: /primary, " +
            "check_method: postgres, options: 'inter 1s fastinter 500ms rise 1 fall 3'}]"),
    ]);

    [Fact]
    public async Task ConsoleReload_DuringStartUp_WaitsForTheHostThenReloadsAllOfIt()
    {
        await File.WriteAllTextAsync(file, Inventory(2));
        var loaded = InventoryLoader.LoadFile(file);
        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Errors));
        var options = new GatewayOptions([Entry], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty) { RunAdmin = false };
        // Start-up held once the node's pooler listens, before the services start.
        using var logging = new StartupGateLogging(m => m.Contains("pooler listening on", StringComparison.Ordinal), Timeout);
        var starting = Task.Run(() => GatewayHost.StartAsync(loaded.Topology!, options, TimeProvider.System, logging, CancellationToken.None));
        GatewayHost? host = null;
        try
        {
            await logging.Reached.WaitAsync(Timeout);
            using var admin = await AdminConsoleClient.ConnectAsync(new IPEndPoint(Cluster.Primary.Address, PoolerPort), PgTestUsers.Dba, Cluster.Credentials.PasswordFor(PgTestUsers.Dba));
            await File.WriteAllTextAsync(file, Inventory(7));

            var reload = admin.QueryAsync("RELOAD");
            // The host is not made yet: the reload cannot have been answered.
            Assert.False(reload.IsCompleted);
            logging.Release();
            host = await starting.WaitAsync(Timeout);
            var reloaded = await reload.WaitAsync(Timeout);

            Assert.Null(reloaded.ErrorMessage);
            Assert.Equal("RELOAD", reloaded.Tag);
            Assert.Equal(7, Assert.Single(host.Poolers).Options.Settings.DefaultPoolSize);
            // The service started after the command arrived is served.
            Assert.True(await ServeClients.AcceptsAsync(Cluster.Primary.Address, ServicePort));
        }
        finally
        {
            logging.Release();
            host ??= await starting.WaitAsync(Timeout);
            await host.DisposeAsync();
        }
    }

    public void Dispose() => File.Delete(file);
}
