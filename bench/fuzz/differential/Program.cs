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

// One PostgreSQL instance, with pgway's paths in front of it, per worker. Workers sharing one instance
// disturbed each other's conversations through PostgreSQL itself: DDL in any database fills the
// instance's shared invalidation queue, a backend busy past its room (in pg_sleep, say) has all its
// caches reset, and a prepared statement is then parsed again, its date literals read under the
// DateStyle and TimeZone of the moment (seeds 40010865 and 40011792, the first on the L4 path too).
Console.WriteLine($"starting {Math.Max(1, settings.Workers)} PostgreSQL instance(s) and pgway's paths…");
var clusters = new List<PgTestCluster>();
var environments = new List<DifferentialEnvironment>();
try
{
    return await RunAsync();
}
finally
{
    foreach (var started in environments)
    {
        await started.DisposeAsync();
    }
    foreach (var started in clusters)
    {
        await started.DisposeAsync();
    }
}

async Task<DifferentialEnvironment> StartInstanceAsync()
{
    var cluster = await PgTestCluster.CreateAsync(new PgTestClusterOptions { Roles = [PgInstanceRole.Primary] });
    clusters.Add(cluster);
    var environment = await DifferentialEnvironment.StartAsync(cluster, stop.Token);
    environments.Add(environment);
    return environment;
}

RunnerOptions OptionsFor(DifferentialEnvironment environment) =>
    new(DifferentialEnvironment.User, environment.Password, DifferentialEnvironment.Database, settings.ReadTimeout, TimeSpan.FromMilliseconds(100));

async Task<int> RunAsync()
{
    var first = await StartInstanceAsync();

    if (settings.Show is { } show)
    {
        var conversation = Pgway.Differential.Generation.ConversationGenerator.Generate(show);
        Console.WriteLine(conversation.Describe());
        var transcripts = await new PathRun(first, OptionsFor(first)).RunAsync(conversation, DifferentialPath.Direct, stop.Token);
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

    // Workers run seeds side by side, each on an instance of its own; a run is mostly waiting for answers,
    // so a few workers multiply conversations per minute on two cores.
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
        var environment = worker == 0 ? first : await StartInstanceAsync();
        var tester = new DifferentialTester(new PathRun(environment, OptionsFor(environment)), settings.ShrinkBudget, settings.ShrinkRuns);
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
}
