using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>Session mode's <c>server_reset_query</c>, when the server does not answer it.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerResetTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    // In the reset query's text, so the test finds (and ends) the backends it leaves sleeping.
    private const string Marker = "pgway-reset-deadline-test";

    [Fact]
    public async Task ServerResetQuery_NotAnswered_ServerClosedAfterServerIdleTimeoutAndTheSlotFreed()
    {
        // One server in the pool: the next client gets one only once the reset's server is closed.
        Running = PoolerHarness.Start(Cluster, new Dictionary<string, string>
        {
            ["pgbouncer_poolmode"] = "session",
            ["pgbouncer_default_pool_size"] = "1",
            ["pgbouncer_reserve_pool_size"] = "0",
            ["pgbouncer_server_reset_query"] = $"SELECT pg_sleep(300) /* {Marker} */",
            ["pgbouncer_server_idle_timeout"] = "1",
            ["pgbouncer_query_wait_timeout"] = "120",
        }, new Dictionary<string, string> { [PoolerHarness.User] = Cluster.Credentials.PasswordFor(PoolerHarness.User) });
        try
        {
            await using (var first = PoolerHarness.Connect(Running, Cluster))
            {
                await first.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT 1", first);
                await command.ExecuteScalarAsync();
            }
            // The reset runs, and will not end by itself while the test lasts.
            await Eventually.HoldsAsync(async () => await SleepingResetsAsync() == 1, Bound);

            await using var second = PoolerHarness.Connect(Running, Cluster);
            await second.OpenAsync().WaitAsync(Bound);
            await using var query = new NpgsqlCommand("SELECT 2", second);

            Assert.Equal(2, (int)(await query.ExecuteScalarAsync().WaitAsync(Bound))!);
        }
        finally
        {
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary,
                $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%{Marker}%' AND pid <> pg_backend_pid()");
        }
    }

    private async Task<long> SleepingResetsAsync() =>
        await Cluster.ExecuteScalarAsync<long>(Cluster.Primary,
            $"SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%{Marker}%' AND pid <> pg_backend_pid()");
}
