using Pgway.Fuzz;
using SharpFuzz;

// pgway's fuzz harness. `Pgway.Fuzz TARGET` runs under afl-fuzz (bench/fuzz/fuzz.sh) in persistent
// mode: the process stays up and runs one input after another. `Pgway.Fuzz TARGET FILE...` runs
// the target once over each file, without AFL (to reproduce a crash AFL saved).
if (args.Length == 0 || FuzzTargets.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine($"usage: Pgway.Fuzz TARGET [FILE...]; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}
if (args.Length > 1)
{
    foreach (var file in args.Skip(1))
    {
        target.Run(File.ReadAllBytes(file));
        Console.WriteLine($"{file}: ok");
    }
    return 0;
}
Fuzzer.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target.Run(copy.ToArray());
});
return 0;
