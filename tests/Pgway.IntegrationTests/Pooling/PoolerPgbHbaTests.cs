using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// Pigsty's pgbouncer hba rules (<c>pgb_hba_rules</c>) enforced by the pooler set up from the inventory,
/// as <c>pgway serve</c> sets it up: the node's pooler and a <c>dest: pool</c> service port.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerPgbHbaTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private const string Meta = PgTestUsers.Meta;
    private const string Dba = PgTestUsers.Dba;

    // The pooler of the primary's node, or of a dest: pool service on it, on an ephemeral port.
    private void Start(string hbaVariables, bool poolService)
    {
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml([
            new("pg_users", $"[{{name: {Meta}, password: '{Cluster.Credentials.PasswordFor(Meta)}', pgbouncer: true}}, " +
                $"{{name: {Dba}, password: '{Cluster.Credentials.PasswordFor(Dba)}', pgbouncer: true}}]"),
            new("pg_services", "[{name: pooled, port: 5499, dest: pool, selector: '[]'}]"),
            .. hbaVariables.Split('\n').Select(line => line.Split(": ", 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1])),
        ]), "pgb-hba.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var cluster = inventory.Topology!.Clusters.Single();
        var primary = cluster.Instances.Single(i => i.Address == Cluster.Primary.Address.ToString());
        var options = poolService
            ? PoolerSetup.ForService(cluster, cluster.Services.Single(s => s.Name == "pooled"), primary, new FixedServerTarget(new IPEndPoint(Cluster.Primary.Address, PgTestCluster.Port)), "pgb-hba.yml")
            : PoolerSetup.For(cluster, primary, "pgb-hba.yml");
        Running = Pooler.Start(options with { Listen = new IPEndPoint(Cluster.Primary.Address, 0) }, TimeProvider.System, NullLogger.Instance);
    }

    private NpgsqlConnection Connect(string user) => PoolerHarness.ConnectOnce(Running!, Cluster, user);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DenyRule_UserRefused28000_OthersServed(bool poolService)
    {
        Start($"pgb_hba_rules: [{{user: {Dba}, addr: world, auth: deny, title: 'no dba through the pooler', order: 10}}]", poolService);
        await using (var meta = Connect(Meta))
        {
            await meta.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_user", meta);
            Assert.Equal(Meta, await command.ExecuteScalarAsync());
        }
        await using var dba = Connect(Dba);

        var e = await Assert.ThrowsAsync<PostgresException>(() => dba.OpenAsync());

        Assert.Equal("28000", e.SqlState);
        // The client's address is the kernel's choice on loopback.
        Assert.Matches($"^pg_hba\\.conf rejects connection for host \"[0-9.]+\", user \"{Dba}\", database \"{PgTestUsers.TestDatabase}\", no encryption$", e.MessageText);
        Assert.Equal(0, Running!.ServerCounts(PgTestUsers.TestDatabase, Dba).Total);
    }

    [Fact]
    public async Task NoRuleMatches_Refused28000AsPostgreSQLSays()
    {
        Start($"pgb_default_hba_rules: []\npgb_hba_rules: [{{user: {Meta}, addr: localhost}}]", poolService: false);
        await using var dba = Connect(Dba);

        var e = await Assert.ThrowsAsync<PostgresException>(() => dba.OpenAsync());

        Assert.Equal("28000", e.SqlState);
        Assert.Matches($"^no pg_hba\\.conf entry for host \"[0-9.]+\", user \"{Dba}\", database \"{PgTestUsers.TestDatabase}\", no encryption$", e.MessageText);
        await using var meta = Connect(Meta);
        await meta.OpenAsync();
    }
}
