using System.Globalization;

namespace Pgway.Bench.Fuzz.Differential;

/// <summary>The command line: how many conversations (or for how long), from which seed, and the bounds of each.</summary>
internal sealed record FuzzSettings(int Count, TimeSpan? Duration, int FirstSeed, TimeSpan ReadTimeout, TimeSpan ShrinkBudget, int ShrinkRuns)
{
    /// <summary>Seeds run side by side, each worker in a database of its own.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>Print this seed's conversation and what each client received directly, then stop.</summary>
    public int? Show { get; init; }

    public const string Usage =
        "usage: differential [--count N | --duration SECONDS | --show SEED] [--seed FIRST] [--read-timeout SECONDS] [--shrink-seconds SECONDS] [--shrink-runs N] [--workers N]";

    public static FuzzSettings Parse(IReadOnlyList<string> arguments)
    {
        var settings = new FuzzSettings(1000, null, 1, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), 200);
        for (var i = 0; i < arguments.Count; i++)
        {
            var value = i + 1 < arguments.Count ? arguments[i + 1] : throw new ArgumentException($"{arguments[i]} needs a value\n{Usage}");
            settings = arguments[i] switch
            {
                "--count" => settings with { Count = Number(value) },
                "--duration" => settings with { Duration = TimeSpan.FromSeconds(Number(value)), Count = int.MaxValue },
                "--seed" => settings with { FirstSeed = Number(value) },
                "--show" => settings with { Show = Number(value) },
                "--read-timeout" => settings with { ReadTimeout = TimeSpan.FromSeconds(Number(value)) },
                "--shrink-seconds" => settings with { ShrinkBudget = TimeSpan.FromSeconds(Number(value)) },
                "--shrink-runs" => settings with { ShrinkRuns = Number(value) },
                "--workers" => settings with { Workers = Math.Max(1, Number(value)) },
                _ => throw new ArgumentException($"unknown option {arguments[i]}\n{Usage}"),
            };
            i++;
        }
        return settings;
    }

    private static int Number(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= 0
            ? number
            : throw new ArgumentException($"'{text}' is not a non-negative whole number\n{Usage}");
}
