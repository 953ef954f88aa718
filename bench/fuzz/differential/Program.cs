using System.Diagnostics;
using Pgway.Bench.Fuzz.Differential;
using Pgway.Differential.Running;
using Pgway.Testing;

FuzzSettings settings;
try
{
    settings = FuzzSettings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

Console.WriteLine("starting a PostgreSQL instance and pgway's paths…");
await using var cluster = await PgTestCluster.CreateAsync(new PgTestClusterOptions { Roles = [PgInstanceRole.Primary] });
await using var environment = await DifferentialEnvironment.StartAsync(cluster, stop.Token);
var options = new RunnerOptions(DifferentialEnvironment.User, environment.Password, DifferentialEnvironment.Database, settings.ReadTimeout, TimeSpan.FromMilliseconds(100));

if (settings.Show is { } show)
{
    var conversation = Pgway.Differential.Generation.ConversationGenerator.Generate(show);
    Console.WriteLine(conversation.Describe());
    var transcripts = await new PathRun(environment, options).RunAsync(conversation, DifferentialPath.Direct, stop.Token);
    for (var client = 0; client < transcripts.Count; client++)
    {
        Console.WriteLine($"c{client + 1} received directly:");
        foreach (var line in Pgway.Differential.Comparing.TranscriptNormaliser.Lines(transcripts[client]))
        {
            Console.WriteLine($"    {line}");
        }
    }
    return 0;
}

// Workers run seeds side by side, each in a database of its own (its own tables and pools); a run is
// mostly waiting for answers, so a few workers multiply conversations per minute on two cores.
var clock = Stopwatch.StartNew();
var run = 0;
var nextSeed = settings.FirstSeed - 1;
var lastSeed = settings.Count == int.MaxValue ? int.MaxValue : settings.FirstSeed + settings.Count - 1;
var divergences = new List<Divergence>();
var oracle = new List<string>();
var notes = new SortedSet<string>(StringComparer.Ordinal);
var report = new Lock();
var workers = new List<Task>();
for (var worker = 0; worker < settings.Workers; worker++)
{
    var database = await environment.DatabaseForWorkerAsync(worker, stop.Token);
    var tester = new DifferentialTester(new PathRun(environment, options with { Database = database }), settings.ShrinkBudget, settings.ShrinkRuns);
    workers.Add(Task.Run(() => WorkAsync(tester)));
}
await Task.WhenAll(workers);

async Task WorkAsync(DifferentialTester tester)
{
    while (!stop.IsCancellationRequested && !(settings.Duration is { } duration && clock.Elapsed > duration))
    {
        var seed = Interlocked.Increment(ref nextSeed);
        if (seed > lastSeed)
        {
            return;
        }
        SeedResult result;
        try
        {
            result = await tester.RunSeedAsync(seed, stop.Token);
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // Ctrl-C: the test harness stops its PostgreSQL at once, so whatever failed then was the interruption.
            return;
        }
        lock (report)
        {
            Record(seed, result);
        }
    }
}

void Record(int seed, SeedResult result)
{
    run++;
    notes.UnionWith(result.Notes);
    if (result.OracleProblem is not null)
    {
        oracle.Add($"seed {seed}: {result.OracleProblem}");
        Console.WriteLine($"seed {seed}: generator problem (PostgreSQL itself): {result.OracleProblem}");
    }
    foreach (var divergence in result.Divergences)
    {
        divergences.Add(divergence);
        if (divergence.MinimalFirst is not null)
        {
            Console.WriteLine(divergence.Report());
        }
        else
        {
            Console.WriteLine($"seed {seed} on {divergence.Path}: {divergence.First.Summary} (not shrunk: same kind as one shown before, or shrinking off)");
        }
    }
    if (run % 100 == 0)
    {
        Console.WriteLine($"… {run} conversations, {divergences.Count} divergences, {clock.Elapsed:hh\\:mm\\:ss}");
    }
}

Console.WriteLine();
Console.WriteLine($"conversations run: {run} (from seed {settings.FirstSeed}, {settings.Workers} workers) in {clock.Elapsed:hh\\:mm\\:ss}");
Console.WriteLine($"divergences found: {divergences.Count} in {divergences.Select(d => d.Seed).Distinct().Count()} conversations");
foreach (var group in divergences.GroupBy(d => d.Signature).OrderByDescending(g => g.Count()))
{
    Console.WriteLine($"  {group.Count(),4} × {group.Key}   (seeds {string.Join(", ", group.Select(d => d.Seed).Distinct().Take(8))})");
}
if (oracle.Count > 0)
{
    Console.WriteLine($"generator problems (PostgreSQL did not answer as expected): {oracle.Count}");
}
foreach (var note in notes)
{
    Console.WriteLine($"note: {note}");
}
return divergences.Count == 0 && oracle.Count == 0 ? 0 : 1;
