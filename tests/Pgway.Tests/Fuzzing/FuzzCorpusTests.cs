using Pgway.Fuzz;

namespace Pgway.Tests.Fuzzing;

/// <summary>
/// Each fuzz harness (bench/fuzz/Pgway.Fuzz/Targets, compiled in here) over its seed corpus, in
/// process and without AFL: the harnesses' invariants hold on real traffic, and an input a fuzzer
/// once crashed on, kept in the corpus, stays fixed.
/// </summary>
public sealed class FuzzCorpusTests
{
    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Check_EverySeed_InvariantsHold(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var seeds = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "fuzz-corpus", name));

        Assert.NotEmpty(seeds);
        foreach (var seed in seeds)
        {
            var exception = Record.Exception(() => target.Run(File.ReadAllBytes(seed)));
            Assert.True(exception is null, $"{name}/{Path.GetFileName(seed)}: {exception}");
        }
    }

    // The SCRAM seeds are real exchanges: the fuzzer starts from the path where both sides succeed.
    [Fact]
    public void ScramExchange_CapturedSeeds_AuthenticateBothWays()
    {
        var outcomes = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "fuzz-corpus", "scram"))
            .Select(seed => ScramTarget.Exchange(File.ReadAllBytes(seed))).ToList();

        Assert.Contains(outcomes, o => o.Server == Pgway.Pooling.Authentication.ScramOutcome.Authenticated);
        Assert.Contains(outcomes, o => o.ClientVerified);
    }

    [Fact]
    public void Check_EmptyAndOneByteInputs_InvariantsHold()
    {
        foreach (var target in FuzzTargets.All)
        {
            target.Run([]);
            for (var b = 0; b < 256; b++)
            {
                target.Run([(byte)b]);
            }
        }
    }
}
