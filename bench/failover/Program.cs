using Pgway.Bench.Failover;

// bench/failover: kill -9 the primary under load and measure, per target, the time from the promotion to the
// first committed write. Run through bench/failover/run.sh, which builds pgway and passes PGWAY_BIN.
var settings = BenchSettings.FromEnvironment();
settings.Validate();
foreach (var port in Inventories.Ports.Where(p => Bench.PortTaken(settings.Address, p)))
{
    Bench.Say($"error: {settings.Address}:{port} is already in use (choose another address with BENCH_ADDR=127.0.0.N)");
    return 1;
}

// Bounded: each Patroni round takes about ttl + 30 s, each SQL round under a minute; the rest is set-up.
var limit = TimeSpan.FromMinutes(5) + (settings.Rounds * (TimeSpan.FromSeconds((3 * settings.Ttl) + 180) + TimeSpan.FromMinutes(2)));
using var stop = new CancellationTokenSource(limit);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var work = Directory.CreateTempSubdirectory("pgway-bench-failover.").FullName;
var timelines = new List<RoundTimeline>();
var results = new List<TargetResult>();
var status = 0;
try
{
    foreach (var scenario in settings.Scenarios)
    {
        if (scenario == PatroniScenario.Name)
        {
            await PatroniScenario.RunAsync(settings, work, timelines, results, stop.Token);
        }
        else
        {
            await SqlPromoteScenario.RunAsync(settings, work, timelines, results, stop.Token);
        }
    }
}
catch (Exception e) when (e is OperationCanceledException or TimeoutException or InvalidOperationException or Npgsql.NpgsqlException)
{
    Bench.Say($"error: {(stop.IsCancellationRequested ? $"stopped (Ctrl-C, or the limit of {limit.TotalMinutes:F0} min)" : e.ToString())}");
    status = 1;
}
finally
{
    await File.WriteAllTextAsync(Path.Combine(work, "results.tsv"), Report.Tsv(timelines, results));
    if (settings.Out is { } outDirectory)
    {
        Directory.CreateDirectory(outDirectory);
        foreach (var file in Directory.EnumerateFiles(work))
        {
            File.Copy(file, Path.Combine(outDirectory, Path.GetFileName(file)), overwrite: true);
        }
    }

    Directory.Delete(work, recursive: true);
}

if (results.Count > 0)
{
    Console.WriteLine($"pgway failover bench — {Environment.ProcessorCount} CPUs, {settings.Clients} writers per target, one INSERT each every {settings.WriteInterval.TotalMilliseconds:F0} ms, server options '{settings.Options}'");
    Console.WriteLine("medians over the rounds (range in parentheses); 'marked up': when the target marked the new primary up, relative to the promotion");
    Console.Write(Report.Render(settings, timelines, results));
}

return status;
