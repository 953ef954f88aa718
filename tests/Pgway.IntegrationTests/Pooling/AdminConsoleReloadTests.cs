using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>The console's RELOAD as <c>pgway serve</c> wires it: the inventory file read again, its errors refused.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class AdminConsoleReloadTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture), IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("pgway-reload-");

    private string Inventory(int poolSize, string authType = "plain") => Cluster.ToInventoryYaml([
        new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}, " +
            $"{{name: {PgTestUsers.Dba}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Dba)}', pgbouncer: true}}]"),
        new("pgbouncer_auth_type", authType),
        new("pgbouncer_default_pool_size", poolSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ]);

    [Fact]
    public async Task Reload_InventoryChanged_AppliedLive_ErrorsKeepTheSettingsInUse()
    {
        var file = Path.Combine(folder.FullName, "inventory.yml");
        await File.WriteAllTextAsync(file, Inventory(2));
        var loaded = InventoryLoader.LoadFile(file);
        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Errors));
        var cluster = loaded.Topology!.Clusters.Single();
        var instance = cluster.Instances.Single(i => i.Address == Cluster.Primary.Address.ToString());
        // As pgway serve starts it, on an ephemeral port.
        Running = Pooler.Start(PoolerSetup.For(cluster, instance, file) with
        {
            Listen = new IPEndPoint(Cluster.Primary.Address, 0),
            Reloader = PoolerSetup.Reloader(cluster.Name, instance.Address, file, NullLogger.Instance),
        }, TimeProvider.System, NullLogger.Instance);
        await using var client = PoolerHarness.ConnectOnce(Running, Cluster, PgTestUsers.Meta);
        await client.OpenAsync();
        using var admin = await AdminConsoleClient.ConnectAsync(Running.LocalEndPoint, PgTestUsers.Dba, Cluster.Credentials.PasswordFor(PgTestUsers.Dba));

        Assert.Equal("SET default_pool_size=9", (await admin.QueryAsync("SET default_pool_size = 9")).Tag);
        await File.WriteAllTextAsync(file, Inventory(7));
        Assert.Equal("RELOAD", (await admin.QueryAsync("RELOAD")).Tag);

        Assert.Equal("7", (await admin.QueryAsync("SHOW CONFIG")).Single("key", "default_pool_size")["value"]);
        Assert.Equal("7", (await admin.QueryAsync("SHOW DATABASES")).Single("name", PoolerHarness.Database)["pool_size"]);
        await File.WriteAllTextAsync(file, Inventory(5, authType: "nonsense"));
        var refused = await admin.QueryAsync("RELOAD");
        Assert.StartsWith("RELOAD failed", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(7, Running.Options.Settings.DefaultPoolSize);
        Assert.Equal("plain", Running.Options.Settings.Settings["auth_type"]);
        await using var command = new NpgsqlCommand("SELECT 1", client);
        Assert.Equal(1, await command.ExecuteScalarAsync());
        Assert.Equal(Cluster.Primary.Address, Running.Options.Listen.Address);
        Assert.Equal(0, Running.Options.Listen.Port);
    }

    public void Dispose() => folder.Delete(recursive: true);
}
