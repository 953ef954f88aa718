using System.Globalization;
using Pgway.Testing;

namespace Pgway.Bench.Failover;

/// <summary>
/// Three nodes under Patroni 3.0 with etcd. Targets: pgway with the DCS watch (dest: pool, and dest: postgres),
/// pgway without it (dest: pool, checks only), and HAProxy from pgway's render; every check asks Patroni's REST
/// API. Each round kills the leader's Patroni and postgres with SIGKILL, waits for Patroni to promote a replica
/// (the leader lock outlives the dead leader by up to ttl), then starts the old leader again as a replica.
/// </summary>
internal static class PatroniScenario
{
    public const string Name = "patroni";

    public static async Task RunAsync(BenchSettings settings, string work, List<RoundTimeline> timelines, List<TargetResult> results, CancellationToken cancellationToken)
    {
        Bench.Say($"patroni: 3 nodes, Patroni + etcd, ttl {settings.Ttl} loop_wait {settings.LoopWait} retry_timeout {settings.RetryTimeout}");
        await using var cluster = await PatroniTestCluster.CreateAsync(
            PatroniTestClusterOptions.ThreeNodes with
            {
                Ttl = settings.Ttl,
                LoopWait = settings.LoopWait,
                RetryTimeout = settings.RetryTimeout,
                OperationTimeout = TimeSpan.FromSeconds(Math.Max(120, 3 * settings.Ttl)),
            },
            cancellationToken);
        Bench.Say($"  {cluster}");
        await cluster.ExecuteNonQueryAsync(cluster.Node(1), Inventories.TableSql, PgTestUsers.Meta, PgTestUsers.TestDatabase, cancellationToken);

        var common = Inventories.CommonVars(cluster.Credentials);
        var dcsInventory = cluster.ToInventoryYaml([.. common, Inventories.Services(settings, ("primary", Inventories.PoolPort, "pool"), ("default", Inventories.L4Port, "postgres"))]);
        var checksInventory = Inventories.WithoutDcs(cluster.ToInventoryYaml([.. common, Inventories.Services(settings, ("primary", Inventories.ChecksPoolPort, "pool"))]));
        var haproxyInventory = Inventories.WithoutDcs(cluster.ToInventoryYaml([.. common, Inventories.Services(settings, ("primary", Inventories.HaproxyPort, "postgres"))]));
        string[] serve = ["--node", cluster.Node(1).Address.ToString(), "--no-agent", "--no-pooler", "--no-admin"];

        await using var pgwayDcs = await Bench.StartPgwayAsync(settings, work, "patroni-pgway-dcs", dcsInventory, serve, cancellationToken);
        await using var pgwayChecks = await Bench.StartPgwayAsync(settings, work, "patroni-pgway-checks", checksInventory, serve, cancellationToken);
        await using var haproxy = await Bench.StartHaproxyAsync(settings, work, haproxyInventory, cancellationToken);
        var credentials = cluster.Credentials;
        List<Target> targets =
        [
            new("pgway pool + DCS", Inventories.ConnectionString(settings.Address, Inventories.PoolPort, credentials), pgwayDcs, $"{cluster.Name}-primary"),
            new("pgway L4 + DCS", Inventories.ConnectionString(settings.Address, Inventories.L4Port, credentials), pgwayDcs, $"{cluster.Name}-default"),
            new("pgway pool, checks", Inventories.ConnectionString(settings.Address, Inventories.ChecksPoolPort, credentials), pgwayChecks, $"{cluster.Name}-primary"),
            new("HAProxy (rendered)", Inventories.ConnectionString(settings.Address, Inventories.HaproxyPort, credentials), haproxy, $"{cluster.Name}-primary"),
        ];

        for (var round = 1; round <= settings.Rounds; round++)
        {
            var leader = await cluster.WaitForLeaderAsync(cancellationToken: cancellationToken);
            foreach (var target in targets)
            {
                await Bench.WaitForWriteAsync(target, TimeSpan.FromSeconds(120), cancellationToken);
            }

            var candidates = cluster.Nodes.Where(n => n != leader)
                .Select(n => (n.Name, cluster.ConnectionString(n))).ToList();
            var direct = Target.Direct([.. cluster.Nodes.Where(n => n != leader).Select(n => Inventories.ConnectionString(n.Address, PatroniTestCluster.PgPort, credentials))]);
            var (timeline, roundResults) = await FailoverRound.RunAsync(
                Name,
                round,
                [direct, .. targets],
                settings,
                new PromotionProbe(candidates, settings.ProbeInterval),
                TimeSpan.FromSeconds((3 * settings.Ttl) + 60),
                async token =>
                {
                    await cluster.KillNodeAsync(leader, token);
                    return leader.Name;
                },
                promote: null,
                (name, after) => LockTime(cluster.Node(name).PatroniLogPath, after),
                name => Inventories.ConnectionString(cluster.Node(name).Address, PatroniTestCluster.PgPort, credentials),
                work,
                cancellationToken);
            timelines.Add(timeline);
            results.AddRange(roundResults);

            Bench.Say($"  round {round}: starting {leader.Name} again (it rejoins as a replica)");
            await cluster.StartNodeAsync(leader, cancellationToken);
            await cluster.WaitUntilHealthyAsync(cancellationToken);
        }

        foreach (var node in cluster.Nodes)
        {
            File.Copy(node.PatroniLogPath, Path.Combine(work, $"patroni-{node.Name}.log"), overwrite: true);
        }
    }

    /// <summary>
    /// When Patroni on the new leader logged that it took the leader lock ("promoted self to leader by acquiring
    /// session lock", written as the promotion starts). Patroni writes local time with milliseconds.
    /// </summary>
    private static DateTime? LockTime(string patroniLog, DateTime after)
    {
        using var stream = new FileStream(patroniLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 23 && line.Contains("acquiring session lock", StringComparison.Ordinal)
                && DateTime.TryParseExact(line[..23], "yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var at)
                && at.ToUniversalTime() > after)
            {
                return at.ToUniversalTime();
            }
        }

        return null;
    }
}
