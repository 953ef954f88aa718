using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Hosting;

/// <summary>GatewayHost.ReloadAsync with live sessions: services added, changed and removed while clients stay connected.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ServeReloadTests(PgTestClusterFixture fixture) : IDisposable
{
    private const int Port = 15451;
    private const int OtherPort = 15452;
    private const int PoolerPort = 16451;
    private const int PoolPort = 15453;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-reload-{Guid.NewGuid():N}.yml");

    private PgTestCluster Cluster => fixture.Cluster;

    private string Entry => Cluster.Primary.Address.ToString();

    // SQL checks, no agents (the agent tests of this collection own 8008), straight to postgres.
    private string Service(string name, int port, string selector = "[? pg_role == `primary`]", string options = "") =>
        $"{{name: {name}, port: {port}, ip: '{Entry}', dest: postgres, selector: '{selector}', check: /primary, check_method: postgres, " +
        $"options: 'inter 1s fastinter 500ms rise 1 fall 3 {options}'}}";

    private string Inventory(params string[] services) => Inventory(2, services);

    // The pooler (when it runs) on its own port, with a pool size to see its settings reloaded.
    private string Inventory(int poolSize, params string[] services) => Cluster.ToInventoryYaml([
        new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
        new("pg_users", $"[{{name: {PgTestUsers.Dba}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Dba)}', pgbouncer: true}}]"),
        new("pgbouncer_port", PoolerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        // The test's console client logs in with a plain password.
        new("pgbouncer_auth_type", "plain"),
        new("pgbouncer_default_pool_size", poolSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("pg_default_services", $"[{string.Join(", ", services)}]"),
    ]);

    private async Task<GatewayHost> StartAsync(params string[] services) => await StartAsync(runPoolers: false, services);

    private async Task<GatewayHost> StartAsync(bool runPoolers, params string[] services)
    {
        await File.WriteAllTextAsync(file, Inventory(services));
        var loaded = InventoryLoader.LoadFile(file);
        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Errors));
        var options = new GatewayOptions([Entry], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty)
        {
            RunPoolers = runPoolers,
            RunAdmin = false,
            DrainTimeout = TimeSpan.FromMinutes(5),
        };
        var host = await GatewayHost.StartAsync(loaded.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        try
        {
            await UntilPrimaryUpAsync(host);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private static Task UntilPrimaryUpAsync(GatewayHost host) =>
        Eventually.HoldsAsync(() => host.Snapshot().All(s => s.Members.All(m => m.Health?.LastResult is not null) && s.Members.Any(m => m.IsUp)),
            Timeout, () => string.Join("; ", host.Snapshot().SelectMany(s => s.Members.Select(m => $"{s.Service}/{m.Name} {m.Status}"))));

    private async Task<ReloadResult> ReloadAsync(GatewayHost host, params string[] services)
    {
        await File.WriteAllTextAsync(file, Inventory(services));
        return await host.ReloadFromFileAsync(CancellationToken.None);
    }

    private async Task<NpgsqlConnection> OpenAsync(int port)
    {
        var connection = ServeClients.Connection(Cluster, port);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<int> QueryAsync(NpgsqlConnection connection, int value)
    {
        await using var command = new NpgsqlCommand($"SELECT {value}", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private Task<bool> AcceptsAsync(int port) => ServeClients.AcceptsAsync(Cluster.Primary.Address, port);

    [Fact]
    public async Task Reload_MembersAndOptionsChangedAndServiceAdded_OpenSessionRunsOnAndNewPortAccepts()
    {
        var name = $"{Cluster.Name}-rel";
        await using var host = await StartAsync(Service("rel", Port));
        await using var held = await OpenAsync(Port);
        Assert.Equal(1, await QueryAsync(held, 1));

        var result = await ReloadAsync(host, Service("rel", Port, selector: "[]", options: "maxconn 7"), Service("rel2", OtherPort));

        Assert.True(result.Applied, result.ToString());
        Assert.Equal([$"{Cluster.Name}-rel2"], result.Added.ToArray());
        Assert.Equal([name], result.Changed.ToArray());
        Assert.Empty(result.Removed);
        // The session opened before the reload runs on, on the same member.
        Assert.Equal(2, await QueryAsync(held, 2));
        var rel = host.Snapshot().Single(s => s.Service == name);
        Assert.Equal(Cluster.Instances.Count, rel.Members.Length);
        Assert.Equal(1, rel.Members.Single(m => m.Address == Entry).Sessions);
        Assert.All(rel.Members, m => Assert.Equal(7, m.SessionLimit));
        await UntilPrimaryUpAsync(host);
        await using var added = await OpenAsync(OtherPort);
        Assert.Equal(3, await QueryAsync(added, 3));
        await using var again = await OpenAsync(Port);
        Assert.Equal(4, await QueryAsync(again, 4));
        Assert.Equal(5, await QueryAsync(held, 5));
    }

    [Fact]
    public async Task Reload_ServiceRemoved_StopsAcceptingWhileItsOpenSessionRunsUntilItEnds()
    {
        await using var host = await StartAsync(Service("rel", Port), Service("rel2", OtherPort));
        var held = await OpenAsync(OtherPort);
        Assert.Equal(1, await QueryAsync(held, 1));

        var result = await ReloadAsync(host, Service("rel", Port));

        Assert.True(result.Applied, result.ToString());
        Assert.Equal([$"{Cluster.Name}-rel2"], result.Removed.ToArray());
        Assert.False(await AcceptsAsync(OtherPort));
        Assert.Equal(1, host.RetiringServices);
        Assert.Equal(2, await QueryAsync(held, 2));
        Assert.True(await AcceptsAsync(Port));

        await held.DisposeAsync();
        await Eventually.HoldsAsync(() => host.RetiringServices == 0, Timeout);
    }

    [Fact]
    public async Task Reload_BrokenInventory_RejectedWithItsErrorsAndEverythingKeepsServing()
    {
        await using var host = await StartAsync(Service("rel", Port));
        await using var held = await OpenAsync(Port);
        // A second service whose port is not a number, and a YAML line that does not parse.
        await File.WriteAllTextAsync(file, Inventory(Service("rel", Port), Service("rel2", OtherPort)).Replace($"port: {OtherPort}", "port: many", StringComparison.Ordinal));

        var wrongValue = await host.ReloadFromFileAsync(CancellationToken.None);
        await File.WriteAllTextAsync(file, "all:\n  children: [unclosed\n");
        var wrongYaml = await host.ReloadFromFileAsync(CancellationToken.None);

        foreach (var rejected in new[] { wrongValue, wrongYaml })
        {
            Assert.False(rejected.Applied);
            Assert.NotEmpty(rejected.Errors);
            Assert.All(rejected.Errors, e => Assert.Contains(Path.GetFileName(file), e, StringComparison.Ordinal));
        }
        Assert.Single(host.Listeners);
        Assert.False(await AcceptsAsync(OtherPort));
        Assert.Equal(1, await QueryAsync(held, 1));
        await using var fresh = await OpenAsync(Port);
        Assert.Equal(2, await QueryAsync(fresh, 2));
    }

    [Fact]
    public async Task ConsoleReload_UnderServe_ReloadsServicesAndPoolerFromOneReading()
    {
        await using var host = await StartAsync(runPoolers: true, Service("rel", Port));
        var pooler = Assert.Single(host.Poolers);
        using var admin = await Pooling.AdminConsoleClient.ConnectAsync(pooler.LocalEndPoint, PgTestUsers.Dba, Cluster.Credentials.PasswordFor(PgTestUsers.Dba));

        await File.WriteAllTextAsync(file, Inventory(7, Service("rel", Port), Service("rel2", OtherPort)));
        Assert.Equal("RELOAD", (await admin.QueryAsync("RELOAD")).Tag);

        Assert.Equal(7, pooler.Options.Settings.DefaultPoolSize);
        Assert.True(await AcceptsAsync(OtherPort));
        Assert.Equal(2, host.Listeners.Count);
        await File.WriteAllTextAsync(file, "all:\n  children: [unclosed\n");
        var refused = await admin.QueryAsync("RELOAD");
        Assert.StartsWith("RELOAD failed", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(file), refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(7, pooler.Options.Settings.DefaultPoolSize);
        Assert.Equal(2, host.Listeners.Count);
    }

    [Fact]
    public async Task Reload_PasswordRotatedUserRemovedLimitRaised_DestPoolPortFollowsTheInventory()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (rotated, removed) = ($"pgway_rot_{suffix}", $"pgway_gone_{suffix}");
        const string OldPassword = "Pgway.Rotate.Old";
        const string NewPassword = "Pgway.Rotate.New";
        // The service's own users, so that the shared cluster's roles keep their passwords.
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"CREATE ROLE {rotated} LOGIN PASSWORD '{OldPassword}'; CREATE ROLE {removed} LOGIN PASSWORD '{OldPassword}'");
        try
        {
            string PoolInventory(string password, bool withRemoved, int poolSize) => Cluster.ToInventoryYaml([
                new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
                new("pg_users", $"[{{name: {PgTestUsers.Dba}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Dba)}', pgbouncer: true}}, {{name: {rotated}, password: '{password}', pgbouncer: true}}" +
                    (withRemoved ? $", {{name: {removed}, password: '{OldPassword}', pgbouncer: true}}]" : "]")),
                // The test's console client logs in with a plain password.
                new("pgbouncer_auth_type", "plain"),
                new("pgbouncer_default_pool_size", poolSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("pg_default_services", $"[{{name: pooled, port: {PoolPort}, ip: '{Entry}', dest: pool, selector: '[? pg_role == `primary`]', check: /primary, " +
                    "check_method: postgres, options: 'inter 1s fastinter 500ms rise 1 fall 3'}]"),
            ]);
            async Task<int> QueryAsAsync(string user, string password, int value)
            {
                var builder = Cluster.ConnectionStringBuilder(Cluster.Primary);
                (builder.Port, builder.Username, builder.Password) = (PoolPort, user, password);
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync();
                return await QueryAsync(connection, value);
            }

            await File.WriteAllTextAsync(file, PoolInventory(OldPassword, withRemoved: true, poolSize: 2));
            var loaded = InventoryLoader.LoadFile(file);
            Assert.False(loaded.HasErrors, string.Join('\n', loaded.Errors));
            var options = new GatewayOptions([Entry], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty) { RunPoolers = false, RunAdmin = false };
            await using var host = await GatewayHost.StartAsync(loaded.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
            await UntilPrimaryUpAsync(host);
            // Each user leaves an idle server in its pool: a client the pooler still accepted would be lent it without a new server log-in.
            Assert.Equal(1, await QueryAsAsync(rotated, OldPassword, 1));
            Assert.Equal(2, await QueryAsAsync(removed, OldPassword, 2));

            using var admin = await Pooling.AdminConsoleClient.ConnectAsync(new System.Net.IPEndPoint(Cluster.Primary.Address, PoolPort), PgTestUsers.Dba, Cluster.Credentials.PasswordFor(PgTestUsers.Dba));

            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"ALTER ROLE {rotated} PASSWORD '{NewPassword}'");
            await File.WriteAllTextAsync(file, PoolInventory(NewPassword, withRemoved: false, poolSize: 7));
            // The console's RELOAD on the dest: pool port itself reloads the whole process.
            var reloaded = await admin.QueryAsync("RELOAD");

            Assert.Equal("RELOAD", reloaded.Tag);
            var oldPassword = await Assert.ThrowsAsync<PostgresException>(() => QueryAsAsync(rotated, OldPassword, 3));
            Assert.Equal("28P01", oldPassword.SqlState);
            var gone = await Assert.ThrowsAsync<PostgresException>(() => QueryAsAsync(removed, OldPassword, 4));
            Assert.Equal("28P01", gone.SqlState);
            // Its idle server ended: the next one logs in with the new password, not the one the pool started with.
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{rotated}'");
            await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<long>(Cluster.Primary, $"SELECT count(*) FROM pg_stat_activity WHERE usename = '{rotated}'") == 0, Timeout);
            Assert.Equal(5, await QueryAsAsync(rotated, NewPassword, 5));
            var pooled = Assert.Single(host.PoolServices).Pooler;
            Assert.Equal(7, pooled.Options.Settings.DefaultPoolSize);
            Assert.Equal(PoolPort, pooled.LocalEndPoint.Port);
        }
        finally
        {
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"DROP ROLE IF EXISTS {rotated}, {removed}");
        }
    }

    [Fact]
    public async Task Reload_ClientTlsRequired_EveryPoolerPortRefusesPlaintextAndABadCertificateIsRejected()
    {
        using var certificates = Pooling.TestCertificates.Create(Cluster.Primary.Address, PgTestUsers.Dba);
        string TlsInventory(string sslMode) => Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_users", $"[{{name: {PgTestUsers.Dba}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Dba)}', pgbouncer: true}}]"),
            new("pgbouncer_port", PoolerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("pgbouncer_sslmode", sslMode),
            new("pgbouncer_client_tls_cert_file", $"'{certificates.ServerCertFile}'"),
            new("pgbouncer_client_tls_key_file", $"'{certificates.ServerKeyFile}'"),
            new("pgbouncer_client_tls_ca_file", $"'{certificates.CaFile}'"),
            new("pg_default_services", $"[{{name: pooled, port: {PoolPort}, ip: '{Entry}', dest: pool, selector: '[? pg_role == `primary`]', check: /primary, " +
                "check_method: postgres, options: 'inter 1s fastinter 500ms rise 1 fall 3'}]"),
        ]);
        async Task<int> QueryOnAsync(int port, SslMode mode, int value)
        {
            await using var connection = ServeClients.Connection(Cluster, port);
            connection.ConnectionString = new NpgsqlConnectionStringBuilder(connection.ConnectionString) { SslMode = mode, RootCertificate = certificates.CaFile }.ConnectionString;
            await connection.OpenAsync();
            return await QueryAsync(connection, value);
        }
        await File.WriteAllTextAsync(file, TlsInventory("disable"));
        var loaded = InventoryLoader.LoadFile(file);
        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Errors));
        var options = new GatewayOptions([Entry], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty) { RunAdmin = false };
        await using var host = await GatewayHost.StartAsync(loaded.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        await UntilPrimaryUpAsync(host);
        Assert.Equal(1, await QueryOnAsync(PoolPort, SslMode.Disable, 1));

        await File.WriteAllTextAsync(file, TlsInventory("require"));
        var applied = await host.ReloadFromFileAsync(CancellationToken.None);

        Assert.True(applied.Applied, applied.ToString());
        foreach (var port in new[] { PoolPort, PoolerPort })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => QueryOnAsync(port, SslMode.Disable, 2));
            Assert.Equal("28000", refused.SqlState);
            Assert.Equal(3, await QueryOnAsync(port, SslMode.VerifyFull, 3));
        }

        await File.WriteAllTextAsync(certificates.ServerCertFile, "not a certificate\n");
        var rejected = await host.ReloadFromFileAsync(CancellationToken.None);

        Assert.False(rejected.Applied);
        Assert.Contains(rejected.Errors, e => e.Contains("client_tls_cert_file", StringComparison.Ordinal));
        Assert.Equal(4, await QueryOnAsync(PoolPort, SslMode.VerifyFull, 4));
        Assert.Equal(5, await QueryOnAsync(PoolerPort, SslMode.VerifyFull, 5));
    }

    public void Dispose() => File.Delete(file);
}
