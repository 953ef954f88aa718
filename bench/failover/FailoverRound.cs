using Npgsql;

namespace Pgway.Bench.Failover;

/// <summary>
/// One crash under load: writers on every target, a settle time, the kill, the promotion (by Patroni, or by
/// the caller's action), and writers kept on until every target has written to the new primary (or 30 s have
/// passed since the promotion). Then each target's figures, from its writers' attempts.
/// </summary>
internal static class FailoverRound
{
    private static readonly TimeSpan s_afterPromotion = TimeSpan.FromSeconds(30);

    public static async Task<(RoundTimeline Timeline, IReadOnlyList<TargetResult> Results)> RunAsync(
        string scenario,
        int round,
        IReadOnlyList<Target> targets,
        BenchSettings settings,
        PromotionProbe probe,
        TimeSpan promotionTimeout,
        Func<CancellationToken, Task<string>> kill,
        Func<CancellationToken, Task>? promote,
        Func<string, DateTime, DateTime?> lockTime,
        Func<string, string> connectionStringOf,
        string work,
        CancellationToken cancellationToken)
    {
        var writers = targets.Select(t => new WriterGroup(t.Name, t.ConnectionStrings, t.Clients ?? settings.Clients, settings.WriteInterval)).ToList();
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var load = Task.WhenAll(writers.Select(w => w.RunAsync(stopLoad.Token)));
        try
        {
            await Task.Delay(settings.Settle, cancellationToken);
            var loadStart = DateTime.UtcNow - settings.Settle;
            foreach (var writer in writers.Where((w, i) => !targets[i].IsDirect && !w.Attempts.Any(a => a.Ok && a.Start > loadStart)))
            {
                Bench.Say($"  warning: {writer.Target} committed nothing before the kill");
            }

            using var probeLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            probeLimit.CancelAfter(promotionTimeout);
            var promotion = probe.WaitAsync(probeLimit.Token);

            var killAt = DateTime.UtcNow;
            var oldPrimary = await kill(cancellationToken);
            var killedAt = DateTime.UtcNow;
            Bench.Say($"  round {round}: killed {oldPrimary} ({(killedAt - killAt).TotalMilliseconds:F0} ms)");
            if (promote is not null)
            {
                await promote(cancellationToken);
            }

            (string Name, DateTime At) promoted;
            try
            {
                promoted = await promotion;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No standby left recovery within {promotionTimeout.TotalSeconds:F0} s of the kill.");
            }

            var lockAt = lockTime(promoted.Name, killAt);
            Bench.Say($"  round {round}: {promoted.Name} promoted {(promoted.At - killedAt).TotalSeconds:F1} s after the kill"
                + (lockAt is { } l ? $" (Patroni took the lock {(promoted.At - l).TotalMilliseconds:F0} ms before)" : ""));

            var deadline = promoted.At + s_afterPromotion;
            // Until every writer of every target has committed again (or the deadline), so that "all writers" is known.
            // (The direct row's writers on the other replicas never will.)
            while (DateTime.UtcNow < deadline && !writers.Where((_, i) => !targets[i].IsDirect)
                .All(w => w.Attempts.Where(a => a.Ok && a.End > promoted.At).Select(a => a.Client).Distinct().Count() == w.Clients))
            {
                await Task.Delay(50, cancellationToken);
            }

            await Task.Delay(500, cancellationToken);
            await stopLoad.CancelAsync();
            await load;

            var timeline = new RoundTimeline(scenario, round, oldPrimary, promoted.Name, killAt, killedAt, lockAt, promoted.At);
            var results = targets.Zip(writers, (target, writer) => Measure(timeline, target, writer)).ToList();

            // A write the client gave up on (a timeout) may still run once a server is found for it.
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            for (var i = 0; i < results.Count; i++)
            {
                results[i] = results[i] with { FailedButCommittedByError = await FailedButCommittedAsync(connectionStringOf(promoted.Name), writers[i], timeline, cancellationToken) };
            }

            await WriteAttemptsAsync(Path.Combine(work, $"attempts-{scenario}-{round}.tsv"), timeline, writers, cancellationToken);
            foreach (var r in results)
            {
                Bench.Say($"  round {round}: {r.Target,-22} promotion → write {Ms(r.PromotionToWriteMs)} (all writers {Ms(r.AllWritersMs)}), outage {Ms(r.OutageMs)}, {r.FailedAttempts} failed ({r.FailedButCommitted?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} of them committed), marked up {Ms(r.MarkedUpMs)}");
            }

            return (timeline, results);
        }
        finally
        {
            await stopLoad.CancelAsync();
            await load.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>The failed attempts whose row is in the new primary's table all the same, by error; null when the table could not be read.</summary>
    private static async Task<IReadOnlyDictionary<string, int>?> FailedButCommittedAsync(string connectionString, WriterGroup writer, RoundTimeline timeline, CancellationToken cancellationToken)
    {
        var failed = writer.Attempts.Where(a => !a.Ok && a.End > timeline.KillAt).ToList();
        if (failed.Count == 0)
        {
            return new Dictionary<string, int>();
        }

        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5, CommandTimeout = 10 }.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var select = new NpgsqlCommand(
                "SELECT w.client, w.attempt FROM failover_writes w JOIN unnest($2::int[], $3::bigint[]) AS f(client, attempt) ON w.client = f.client AND w.attempt = f.attempt WHERE w.target = $1",
                connection);
            select.Parameters.Add(new NpgsqlParameter { Value = writer.Target });
            select.Parameters.Add(new NpgsqlParameter { Value = failed.Select(a => a.Client).ToArray() });
            select.Parameters.Add(new NpgsqlParameter { Value = failed.Select(a => a.Seq).ToArray() });
            var committed = new HashSet<(int, long)>();
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    committed.Add((reader.GetInt32(0), reader.GetInt64(1)));
                }
            }

            return failed.Where(a => committed.Contains((a.Client, a.Seq)))
                .GroupBy(a => a.Error ?? "?").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        }
        catch (NpgsqlException e)
        {
            Bench.Say($"  warning: could not look for {writer.Target}'s failed writes in the table: {e.Message}");
            return null;
        }
    }

    private static TargetResult Measure(RoundTimeline timeline, Target target, WriterGroup writer)
    {
        var attempts = writer.Attempts;
        DateTime? lastBefore = attempts.Where(a => a.Ok && a.End <= timeline.KilledAt).Select(a => (DateTime?)a.End).Max();
        DateTime? firstAfter = attempts.Where(a => a.Ok && a.End > timeline.KilledAt).Select(a => (DateTime?)a.End).Min();
        var failures = attempts.Where(a => !a.Ok && a.End > timeline.KillAt && (firstAfter is null || a.End <= firstAfter)).OrderBy(a => a.End).ToList();
        var markedUp = target.MarkedUpAt(timeline.KillAt, timeline.NewPrimary);
        var resumed = attempts.GroupBy(a => a.Client)
            .Select(c => c.Where(a => a.Ok && a.End > timeline.KilledAt).Select(a => (DateTime?)a.End).Min()).ToList();
        DateTime? allResumed = !target.IsDirect && resumed.Count > 0 && resumed.All(r => r is not null) ? resumed.Max() : null;
        return new TargetResult(
            timeline.Scenario,
            timeline.Round,
            target.Name,
            firstAfter is { } f ? (f - timeline.PromotedAt).TotalMilliseconds : null,
            firstAfter is { } f2 && lastBefore is { } l ? (f2 - l).TotalMilliseconds : null,
            failures.Count,
            markedUp is { } m ? (m - timeline.PromotedAt).TotalMilliseconds : null,
            allResumed is { } all ? (all - timeline.PromotedAt).TotalMilliseconds : null,
            failures.GroupBy(a => a.Error ?? "?").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
    }

    /// <summary>Every attempt of the round, in milliseconds from the promotion, for a closer look (OUT keeps it).</summary>
    private static async Task WriteAttemptsAsync(string path, RoundTimeline timeline, IReadOnlyList<WriterGroup> writers, CancellationToken cancellationToken)
    {
        var lines = new List<string>
        {
            $"# kill {Relative(timeline.KillAt)} killed {Relative(timeline.KilledAt)} lock {(timeline.LockAt is { } l ? Relative(l) : "-")} promoted 0 ({timeline.OldPrimary} → {timeline.NewPrimary})",
            "target\tclient\tstart_ms\tend_ms\tok\terror",
        };
        foreach (var writer in writers)
        {
            lines.AddRange(writer.Attempts.Where(a => a.End > timeline.KillAt.AddSeconds(-1)).OrderBy(a => a.Start)
                .Select(a => $"{writer.Target}\t{a.Client}\t{Relative(a.Start)}\t{Relative(a.End)}\t{(a.Ok ? 1 : 0)}\t{a.Error}"));
        }

        await File.WriteAllLinesAsync(path, lines, cancellationToken);

        string Relative(DateTime at) => (at - timeline.PromotedAt).TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Ms(double? value) => value is { } v ? $"{v:F0} ms" : "-";
}
