using Npgsql;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>The console's RELOAD of a node's pooler under <c>pgway serve</c>: the inventory file read again, its errors refused.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class AdminConsoleReloadTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture), IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("pgway-reload-");
    private GatewayHost? host;

    private string Inventory(int poolSize, string authType = "plain") => Cluster.ToInventoryYaml([
        new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}, " +
            $"{{name: {PgTestUsers.Dba}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Dba)}', pgbouncer: true}}]"),
        new("pgbouncer_auth_type", authType),
        new("pgbouncer_default_pool_size", poolSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        .. ServedPooler.Variables,
    ]);

    [Fact]
    public async Task Reload_InventoryChanged_AppliedLive_ErrorsKeepTheSettingsInUse()
    {
        var file = Path.Combine(folder.FullName, "inventory.yml");
        await File.WriteAllTextAsync(file, Inventory(2));
        host = await ServedPooler.StartAsync(Cluster, file);
        var pooler = host.Poolers.Single();
        await using var client = PoolerHarness.ConnectOnce(pooler, Cluster, PgTestUsers.Meta);
        await client.OpenAsync();
        using var admin = await AdminConsoleClient.ConnectAsync(pooler.LocalEndPoint, PgTestUsers.Dba, Cluster.Credentials.PasswordFor(PgTestUsers.Dba));

        Assert.Equal("SET default_pool_size=9", (await admin.QueryAsync("SET default_pool_size = 9")).Tag);
        await File.WriteAllTextAsync(file, Inventory(7));
        Assert.Equal("RELOAD", (await admin.QueryAsync("RELOAD")).Tag);

        Assert.Equal("7", (await admin.QueryAsync("SHOW CONFIG")).Single("key", "default_pool_size")["value"]);
        Assert.Equal("7", (await admin.QueryAsync("SHOW DATABASES")).Single("name", PoolerHarness.Database)["pool_size"]);
        await File.WriteAllTextAsync(file, Inventory(5, authType: "nonsense"));
        var refused = await admin.QueryAsync("RELOAD");
        Assert.StartsWith("RELOAD failed", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(7, pooler.Options.Settings.DefaultPoolSize);
        Assert.Equal("plain", pooler.Options.Settings.Settings["auth_type"]);
        await using var command = new NpgsqlCommand("SELECT 1", client);
        Assert.Equal(1, await command.ExecuteScalarAsync());
        Assert.Equal(Cluster.Primary.Address, pooler.Options.Listen.Address);
        Assert.Equal(ServedPooler.Port, pooler.Options.Listen.Port);
    }

    public override async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
        await base.DisposeAsync();
    }

    public void Dispose() => folder.Delete(recursive: true);
}
