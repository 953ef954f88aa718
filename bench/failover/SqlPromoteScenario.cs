using Pgway.Testing;

namespace Pgway.Bench.Failover;

/// <summary>
/// No Patroni: a primary and a streaming replica, with pgway's own agent answering the checks on each node's
/// port 8008. Targets: pgway (dest: pool, and dest: postgres) and HAProxy from pgway's render, all on checks
/// alone. Each round kills the primary's postgres with SIGKILL, waits <c>PROMOTE_DELAY</c> (someone deciding to
/// fail over; by then every target has marked the old primary down), and promotes the replica with
/// <c>SELECT pg_promote()</c>. A fresh cluster per round, as the old primary is not rebuilt.
/// </summary>
internal static class SqlPromoteScenario
{
    public const string Name = "sql";

    public static async Task RunAsync(BenchSettings settings, string work, List<RoundTimeline> timelines, List<TargetResult> results, CancellationToken cancellationToken)
    {
        Bench.Say($"sql: primary + replica, pgway's agent for the checks, promotion by SELECT pg_promote() {settings.PromoteDelay.TotalSeconds:F0} s after the kill");
        for (var round = 1; round <= settings.Rounds; round++)
        {
            await using var cluster = await PgTestCluster.CreateAsync(PgTestClusterOptions.PrimaryAndReplica, cancellationToken);
            var primary = cluster.Primary;
            var replica = cluster.Instance(2);
            await cluster.ExecuteNonQueryAsync(primary, Inventories.TableSql, PgTestUsers.Meta, PgTestUsers.TestDatabase, cancellationToken);

            var common = Inventories.CommonVars(cluster.Credentials);
            var pgwayInventory = cluster.ToInventoryYaml([.. common, Inventories.Services(settings, ("primary", Inventories.PoolPort, "pool"), ("default", Inventories.L4Port, "postgres"))]);
            var haproxyInventory = cluster.ToInventoryYaml([.. common, Inventories.Services(settings, ("primary", Inventories.HaproxyPort, "postgres"))]);
            string[] serve = ["--node", primary.Address.ToString(), "--node", replica.Address.ToString(), "--no-pooler", "--no-admin"];

            await using var pgway = await Bench.StartPgwayAsync(settings, work, $"sql-{round}-pgway", pgwayInventory, serve, cancellationToken);
            await using var haproxy = await Bench.StartHaproxyAsync(settings, work, haproxyInventory, cancellationToken);
            var credentials = cluster.Credentials;
            List<Target> targets =
            [
                new("pgway pool, checks", Inventories.ConnectionString(settings.Address, Inventories.PoolPort, credentials), pgway, $"{cluster.Name}-primary"),
                new("pgway L4, checks", Inventories.ConnectionString(settings.Address, Inventories.L4Port, credentials), pgway, $"{cluster.Name}-default"),
                new("HAProxy (rendered)", Inventories.ConnectionString(settings.Address, Inventories.HaproxyPort, credentials), haproxy, $"{cluster.Name}-primary"),
            ];
            foreach (var target in targets)
            {
                await Bench.WaitForWriteAsync(target, TimeSpan.FromSeconds(60), cancellationToken);
            }

            var direct = Target.Direct([Inventories.ConnectionString(replica.Address, PgTestCluster.Port, credentials)]);
            var (timeline, roundResults) = await FailoverRound.RunAsync(
                Name,
                round,
                [direct, .. targets],
                settings,
                new PromotionProbe([(replica.Name, cluster.ConnectionString(replica))], settings.ProbeInterval),
                settings.PromoteDelay + TimeSpan.FromSeconds(60),
                async token =>
                {
                    await cluster.KillAsync(primary, token);
                    return primary.Name;
                },
                async token =>
                {
                    await Task.Delay(settings.PromoteDelay, token);
                    await cluster.ExecuteScalarAsync<bool>(replica, "SELECT pg_promote(true, 60)", cancellationToken: token);
                },
                (_, _) => null,
                _ => Inventories.ConnectionString(replica.Address, PgTestCluster.Port, credentials),
                work,
                cancellationToken);
            timelines.Add(timeline);
            results.AddRange(roundResults);
        }
    }
}
