using System.Net;
using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// pgway's admin console beside a real PgBouncer 1.18 in front of the same PostgreSQL, in the same
/// situation: every SHOW has the same column names and types (so pgbouncer_exporter and pg_exporter
/// read pgway unchanged), the counts agree, and so do the errors.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class AdminConsoleParityTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private const string Meta = PgTestUsers.Meta;
    private const string Dba = PgTestUsers.Dba;
    private const string Monitor = PgTestUsers.Monitor;
    private const string Database = PgTestUsers.TestDatabase;

    private static readonly string[] Subjects =
        ["POOLS", "CLIENTS", "SERVERS", "STATS", "STATS_TOTALS", "STATS_AVERAGES", "TOTALS", "DATABASES", "USERS", "CONFIG", "LISTS", "VERSION"];

    private Dictionary<string, string> Passwords() => new()
    {
        [Meta] = Cluster.Credentials.PasswordFor(Meta),
        [Dba] = Cluster.Credentials.PasswordFor(Dba),
        [Monitor] = Cluster.Credentials.PasswordFor(Monitor),
    };

    [Fact]
    public async Task Show_SameSituationOnBoth_SameColumnsTypesAndCounts()
    {
        Running = PoolerHarness.Start(Cluster, new Dictionary<string, string>
        {
            ["pgbouncer_auth_type"] = "plain",
            ["pgbouncer_poolmode"] = "transaction",
            ["pgbouncer_default_pool_size"] = "2",
            ["pgbouncer_admin_users"] = Dba,
            ["pgbouncer_stats_users"] = Monitor,
        }, Passwords());
        using var pgbouncer = await PgBouncerProcess.StartAsync(Cluster.Primary.Address,
            $"{Database} = host={Cluster.Primary.Address} port={PgTestCluster.Port} dbname={Database}",
            new Dictionary<string, string>
            {
                ["auth_type"] = "plain",
                ["pool_mode"] = "transaction",
                ["default_pool_size"] = "2",
                ["admin_users"] = Dba,
                ["stats_users"] = Monitor,
                ["ignore_startup_parameters"] = "extra_float_digits,search_path",
            }, Passwords(), Bound);

        var ours = await SituationAsync(Running.LocalEndPoint);
        var theirs = await SituationAsync(pgbouncer.EndPoint);

        foreach (var subject in Subjects)
        {
            Assert.True(theirs.Shows[subject].ErrorCode is null, $"PgBouncer: SHOW {subject}: {theirs.Shows[subject]}");
            Assert.True(ours.Shows[subject].ErrorCode is null, $"pgway: SHOW {subject}: {ours.Shows[subject]}");
            Assert.Equal(theirs.Shows[subject].Columns, ours.Shows[subject].Columns);
        }
        string PoolCounts(AdminResult pools)
        {
            var row = pools.Single("database", Database);
            return string.Join('|', row["user"], row["cl_active"], row["cl_waiting"], row["sv_active"], row["sv_idle"], row["pool_mode"]);
        }
        Assert.Equal($"{Meta}|3|0|2|0|transaction", PoolCounts(theirs.Shows["POOLS"]));
        Assert.Equal(PoolCounts(theirs.Shows["POOLS"]), PoolCounts(ours.Shows["POOLS"]));
        Assert.Equal(States(theirs.Shows["CLIENTS"]), States(ours.Shows["CLIENTS"]));
        Assert.Equal(States(theirs.Shows["SERVERS"]), States(ours.Shows["SERVERS"]));
        string DatabaseRow(AdminResult databases)
        {
            var row = databases.Single("name", Database);
            return string.Join('|', row["database"], row["pool_size"], row["paused"], row["disabled"]);
        }
        Assert.Equal(DatabaseRow(theirs.Shows["DATABASES"]), DatabaseRow(ours.Shows["DATABASES"]));
        Assert.Equal(theirs.Shows["POOLS"].Single("database", "pgbouncer")["pool_mode"], ours.Shows["POOLS"].Single("database", "pgbouncer")["pool_mode"]);
        Assert.StartsWith("PgBouncer 1.18.0", ours.Shows["VERSION"].Rows.Single()[0], StringComparison.Ordinal);
        Assert.Equal(theirs.Errors, ours.Errors);
    }

    // The clients of the test database by state, sorted (servers: by state too).
    private static List<string> States(AdminResult sockets) =>
        [.. sockets.Where("database", Database).Select(r => r[sockets.Index("state")]!).Order(StringComparer.Ordinal)];

    private sealed record Situation(Dictionary<string, AdminResult> Shows, List<string> Errors);

    // Two clients inside a transaction (one server each), one logged in and idle; then every SHOW and a few refusals.
    private async Task<Situation> SituationAsync(IPEndPoint endPoint)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = endPoint.Address.ToString(),
            Port = endPoint.Port,
            Username = Meta,
            Password = Cluster.Credentials.PasswordFor(Meta),
            Database = Database,
            Pooling = false,
            Timeout = 15,
            CommandTimeout = 20,
            SslMode = SslMode.Disable,
            GssEncryptionMode = GssEncryptionMode.Disable,
        };
        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var connection = new NpgsqlConnection(builder.ConnectionString);
                connections.Add(connection);
                await connection.OpenAsync();
                if (i < 2)
                {
                    await using var begin = new NpgsqlCommand("BEGIN; SELECT 1", connection);
                    await begin.ExecuteNonQueryAsync();
                }
            }
            var shows = new Dictionary<string, AdminResult>();
            using (var admin = await AdminConsoleClient.ConnectAsync(endPoint, Dba, Cluster.Credentials.PasswordFor(Dba)))
            {
                foreach (var subject in Subjects)
                {
                    shows[subject] = await admin.QueryAsync($"SHOW {subject}");
                }
            }
            var errors = new List<string>();
            using (var admin = await AdminConsoleClient.ConnectAsync(endPoint, Dba, Cluster.Credentials.PasswordFor(Dba)))
            {
                foreach (var command in (string[])["SHOW NOTHING", "PAUSE nosuch", "KILL", "RESUME", $"RESUME {Database}", "WAIT_CLOSE nosuch", "SET x"])
                {
                    errors.Add($"{command}: {await admin.QueryAsync(command)}");
                }
            }
            using (var stats = await AdminConsoleClient.ConnectAsync(endPoint, Monitor, Cluster.Credentials.PasswordFor(Monitor)))
            {
                errors.Add($"stats PAUSE: {await stats.QueryAsync("PAUSE")}");
                errors.Add($"stats SHOW POOLS: {(await stats.QueryAsync("SHOW POOLS")).Tag}");
            }
            return new Situation(shows, errors);
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
