using Pgway.Bench.Vip;
using Pgway.Testing.Network;

// bench/vip: pgway's L2 VIP against vip-manager + HAProxy on the network-namespace lab. Run through
// bench/vip/run.sh (as root), which builds pgway and passes PGWAY_BIN.
var settings = BenchSettings.FromEnvironment();
settings.Validate();
if (NetworkAvailability.UnavailableReason is { } reason)
{
    Bench.Say($"error: the network lab cannot run here: {reason}");
    return 1;
}

// Bounded: set-up under 5 minutes; each round waits at most 2 min to be ready, 1 min for the old leader's VIPs,
// the probes' timeout, and 2 min for the rejoin.
var limit = TimeSpan.FromMinutes(5) + (settings.Rounds * (TimeSpan.FromMinutes(6) + settings.ProbeTimeout));
using var stop = new CancellationTokenSource(limit);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

// vip-manager 1.0.2 speaks only etcd's v2 keys API, which etcd 3.4 serves only when asked; the lab's etcd
// members inherit this (etcd reads every flag from ETCD_<FLAG> too).
Environment.SetEnvironmentVariable("ETCD_ENABLE_V2", "true");

var work = Directory.CreateTempSubdirectory("pgway-bench-vip.").FullName;
var results = new List<RoundResult>();
var status = 0;
try
{
    Bench.Say("building the lab: 3 hosts, etcd on each, PostgreSQL primary on h1 and replicas on h2, h3");
    await using var cluster = await MultiHostCluster.CreateAsync(new MultiHostClusterOptions(), stop.Token);
    Bench.Say($"  {cluster}");
    using var lab = new VipLab(cluster, settings, work, Random.Shared);
    try
    {
        results = await lab.RunAsync(stop.Token);
    }
    catch (Exception e) when (e is OperationCanceledException or TimeoutException or InvalidOperationException or HttpRequestException or Npgsql.NpgsqlException)
    {
        Bench.Say($"error: {(stop.IsCancellationRequested ? $"stopped (Ctrl-C, or the limit of {limit.TotalMinutes:F0} min)" : e.ToString())}");
        Bench.Say(cluster.DescribeLogs(20));
        foreach (var log in Directory.EnumerateFiles(work, "*.log", SearchOption.AllDirectories))
        {
            Bench.Say($"--- {Path.GetRelativePath(work, log)}:\n{string.Join('\n', File.ReadLines(log).TakeLast(20))}");
        }

        status = 1;
    }
}
catch (Exception e) when (e is OperationCanceledException or TimeoutException or InvalidOperationException)
{
    Bench.Say($"error: {(stop.IsCancellationRequested ? $"stopped (Ctrl-C, or the limit of {limit.TotalMinutes:F0} min)" : e.Message)}");
    status = 1;
}
finally
{
    await File.WriteAllTextAsync(Path.Combine(work, "results.tsv"), Report.Tsv(results));
    if (settings.Out is { } outDirectory)
    {
        Directory.CreateDirectory(outDirectory);
        File.Copy(Path.Combine(work, "results.tsv"), Path.Combine(outDirectory, "results.tsv"), overwrite: true);
        // Each host's pgway log: why a round was slow (a probe that heard another holder, a late check) is said there.
        foreach (var log in Directory.EnumerateFiles(work, "*.log", SearchOption.AllDirectories).Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "pgway"))
        {
            var host = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(log)))!;
            File.Copy(log, Path.Combine(outDirectory, $"{host}-{Path.GetFileName(log)}"), overwrite: true);
        }
    }

    Directory.Delete(work, recursive: true);
}

if (results.Count > 0)
{
    Console.WriteLine($"pgway VIP bench — {Environment.ProcessorCount} CPUs, {results.Count} leader changes between h1 and h2, vip-manager interval {settings.VipManagerInterval} ms, checks '{settings.Options}'");
    Console.Write(Report.Render(results));
}

return status;
