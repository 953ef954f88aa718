using System.Text;
using Pgway.Differential.Running;

namespace Pgway.Differential.Comparing;

/// <summary>Compares what each client received through a path with what it received from PostgreSQL.</summary>
public static class TranscriptComparer
{
    /// <summary>Every client whose normalised answers differ, with the first difference; empty when all match.</summary>
    public static IReadOnlyList<Difference> Compare(IReadOnlyList<ClientTranscript> expected, IReadOnlyList<ClientTranscript> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var differences = new List<Difference>();
        for (var client = 0; client < expected.Count; client++)
        {
            // The answers first: a greeting value that differs is reported only when they match.
            var difference = CompareLines(client, TranscriptNormaliser.Lines(expected[client]), TranscriptNormaliser.Lines(actual[client]))
                ?? CompareGreeting(client, expected[client], actual[client]);
            if (difference is not null)
            {
                differences.Add(difference);
            }
        }
        return differences;
    }

    /// <summary>Parameters one side's greeting reports and the other's does not: noted, not a divergence.</summary>
    public static IReadOnlyList<string> GreetingNotes(ClientTranscript expected, ClientTranscript actual)
    {
        var direct = TranscriptNormaliser.GreetingParameters(expected);
        var through = TranscriptNormaliser.GreetingParameters(actual);
        return [.. direct.Keys.Except(through.Keys).Select(k => $"only PostgreSQL's greeting reports {k}"),
            .. through.Keys.Except(direct.Keys).Select(k => $"only pgway's greeting reports {k}")];
    }

    /// <summary>The first line where <paramref name="actual"/> departs from <paramref name="expected"/>, or null.</summary>
    public static Difference? CompareLines(int client, IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var at = 0;
        while (at < expected.Count && at < actual.Count && expected[at] == actual[at])
        {
            at++;
        }
        if (at == expected.Count && at == actual.Count)
        {
            return null;
        }
        var context = new StringBuilder();
        var from = Math.Max(0, at - 3);
        context.Append("    PostgreSQL:\n");
        Excerpt(context, expected, from, at);
        context.Append("    through pgway:\n");
        Excerpt(context, actual, from, at);
        return new Difference(client, at, at < expected.Count ? expected[at] : null, at < actual.Count ? actual[at] : null, context.ToString());
    }

    private static Difference? CompareGreeting(int client, ClientTranscript expected, ClientTranscript actual)
    {
        var direct = TranscriptNormaliser.GreetingParameters(expected);
        var through = TranscriptNormaliser.GreetingParameters(actual);
        foreach (var (name, value) in direct)
        {
            if (through.TryGetValue(name, out var other) && other != value)
            {
                var line = $"greeting ParameterStatus {name}";
                return new Difference(client, 0, $"{line}={value}", $"{line}={other}",
                    $"    PostgreSQL's greeting: {name}={value}\n    pgway's greeting:      {name}={other}\n");
            }
        }
        return null;
    }

    private static void Excerpt(StringBuilder text, IReadOnlyList<string> lines, int from, int at)
    {
        for (var i = from; i < Math.Min(lines.Count, at + 6); i++)
        {
            text.Append(i == at ? "  >>  " : "      ").Append(i).Append(' ').Append(lines[i]).Append('\n');
        }
        if (at >= lines.Count)
        {
            text.Append("  >>  ").Append(at).Append(" (nothing more)\n");
        }
    }
}
