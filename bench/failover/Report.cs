using System.Globalization;
using System.Text;

namespace Pgway.Bench.Failover;

/// <summary>The table: per scenario and target, medians and ranges over the rounds, and pgway's ratios to HAProxy.</summary>
internal static class Report
{
    public static string Render(BenchSettings settings, IReadOnlyList<RoundTimeline> timelines, IReadOnlyList<TargetResult> results)
    {
        var text = new StringBuilder();
        foreach (var scenario in results.Select(r => r.Scenario).Distinct())
        {
            var rounds = timelines.Where(t => t.Scenario == scenario).ToList();
            text.AppendLine();
            text.AppendLine(scenario == PatroniScenario.Name
                ? $"Patroni 3.0 + etcd, 3 nodes, ttl {settings.Ttl} loop_wait {settings.LoopWait}: kill -9 of the leader's Patroni and postgres ({rounds.Count} rounds)"
                : $"No Patroni, primary + replica, pgway's agent: kill -9 of the primary's postgres, SELECT pg_promote() {settings.PromoteDelay.TotalSeconds:F0} s later ({rounds.Count} rounds)");
            text.AppendLine(Line("kill → promoted (s)", rounds.Select(t => (t.PromotedAt - t.KilledAt).TotalSeconds), "F1"));
            if (rounds.Any(t => t.LockAt is not null))
            {
                text.AppendLine(Line("Patroni lock → promoted (ms)", rounds.Where(t => t.LockAt is not null).Select(t => (t.PromotedAt - t.LockAt!.Value).TotalMilliseconds), "F0"));
            }

            text.AppendLine();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{"target",-20} {"promotion → 1st write ms",-26} {"→ all writers ms",-24} {"write outage s",-20} {"failed writes",-20} {"of them committed",-18} {"marked up ms",-20}"));
            var scenarioResults = results.Where(r => r.Scenario == scenario).ToList();
            foreach (var target in scenarioResults.Select(r => r.Target).Distinct())
            {
                var rows = scenarioResults.Where(r => r.Target == target).ToList();
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"{target,-20} {Cell(rows.Select(r => r.PromotionToWriteMs), "F0"),-26} {Cell(rows.Select(r => r.AllWritersMs), "F0"),-24} {Cell(rows.Select(r => r.OutageMs / 1000), "F1"),-20} {Cell(rows.Select(r => (double?)r.FailedAttempts), "F0"),-20} {Sum(rows.Select(r => r.FailedButCommitted)),-18} {Cell(rows.Select(r => r.MarkedUpMs), "F0"),-20}"));
            }

            var haproxy = scenarioResults.Where(r => r.Target.StartsWith("HAProxy", StringComparison.Ordinal)).ToDictionary(r => r.Round);
            text.AppendLine();
            foreach (var target in scenarioResults.Select(r => r.Target).Distinct().Where(t => !t.StartsWith("HAProxy", StringComparison.Ordinal) && !t.StartsWith("direct", StringComparison.Ordinal)))
            {
                var ratios = scenarioResults.Where(r => r.Target == target && haproxy.ContainsKey(r.Round))
                    .Select(r => r.PromotionToWriteMs is { } p && haproxy[r.Round].PromotionToWriteMs is { } h && h > 0 ? p / h : (double?)null).ToList();
                var medianOfPgway = Median(scenarioResults.Where(r => r.Target == target).Select(r => r.PromotionToWriteMs));
                var medianOfHaproxy = Median(haproxy.Values.Select(r => r.PromotionToWriteMs));
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"{target + " / HAProxy",-32} promotion → 1st write {(medianOfPgway is { } a && medianOfHaproxy is { } b && b > 0 ? (a / b).ToString("F3", CultureInfo.InvariantCulture) : "-")} (per round {Range(ratios, "F3")})"));
            }

            text.AppendLine();
            text.AppendLine("failed writes between the kill and each target's first write, all rounds together:");
            foreach (var target in scenarioResults.Select(r => r.Target).Distinct())
            {
                var errors = scenarioResults.Where(r => r.Target == target).SelectMany(r => r.Errors)
                    .GroupBy(e => e.Key).Select(g => (Error: g.Key, Count: g.Sum(e => e.Value))).OrderByDescending(e => e.Count).ToList();
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {target}: {(errors.Count == 0 ? "none" : string.Join("; ", errors.Take(3).Select(e => $"{e.Count}× {e.Error}")))}"));
            }

            var committed = scenarioResults.Where(r => r.FailedButCommittedByError is { Count: > 0 }).ToList();
            if (committed.Count > 0)
            {
                text.AppendLine("failed writes whose row is in the table all the same (the client was told it failed):");
                foreach (var target in committed.Select(r => r.Target).Distinct())
                {
                    var errors = committed.Where(r => r.Target == target).SelectMany(r => r.FailedButCommittedByError!)
                        .GroupBy(e => e.Key).Select(g => $"{g.Sum(e => e.Value)}× {g.Key}");
                    text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {target}: {string.Join("; ", errors)}"));
                }
            }
        }

        return text.ToString();
    }

    public static string Tsv(IReadOnlyList<RoundTimeline> timelines, IReadOnlyList<TargetResult> results)
    {
        var text = new StringBuilder("scenario\tround\ttarget\tpromotion_to_write_ms\tall_writers_ms\toutage_ms\tfailed\tfailed_but_committed\tmarked_up_ms\tkill_to_promoted_ms\tlock_to_promoted_ms\told\tnew\n");
        foreach (var r in results)
        {
            var t = timelines.Single(t => t.Scenario == r.Scenario && t.Round == r.Round);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Scenario}\t{r.Round}\t{r.Target}\t{r.PromotionToWriteMs:F1}\t{r.AllWritersMs:F1}\t{r.OutageMs:F1}\t{r.FailedAttempts}\t{r.FailedButCommitted}\t{r.MarkedUpMs:F1}\t{(t.PromotedAt - t.KilledAt).TotalMilliseconds:F1}\t{(t.LockAt is { } l ? (t.PromotedAt - l).TotalMilliseconds : null):F1}\t{t.OldPrimary}\t{t.NewPrimary}"));
        }

        return text.ToString();
    }

    private static string Line(string label, IEnumerable<double> values, string format)
    {
        var list = values.Select(v => (double?)v).ToList();
        return string.Create(CultureInfo.InvariantCulture, $"  {label,-30} {Cell(list, format)}");
    }

    private static string Cell(IEnumerable<double?> values, string format)
    {
        var list = values.ToList();
        var missing = list.Count(v => v is null);
        var median = Median(list);
        var cell = median is { } m ? $"{m.ToString(format, CultureInfo.InvariantCulture)} ({Range(list, format)})" : "-";
        return missing > 0 ? $"{cell} [{missing} none]" : cell;
    }

    // A total over the rounds: these should be none at all, so one in any round matters.
    private static string Sum(IEnumerable<int?> values)
    {
        var list = values.ToList();
        var total = list.OfType<int>().Sum().ToString(CultureInfo.InvariantCulture) + " in all";
        return list.Any(v => v is null) ? $"{total} [{list.Count(v => v is null)} unknown]" : total;
    }

    private static double? Median(IEnumerable<double?> values)
    {
        var sorted = values.OfType<double>().Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Range(IEnumerable<double?> values, string format)
    {
        var list = values.OfType<double>().ToList();
        return list.Count == 0 ? "-" : $"{list.Min().ToString(format, CultureInfo.InvariantCulture)}–{list.Max().ToString(format, CultureInfo.InvariantCulture)}";
    }
}
