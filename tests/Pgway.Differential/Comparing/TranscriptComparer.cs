using System.Text;
using Pgway.Differential.Running;

namespace Pgway.Differential.Comparing;

/// <summary>Compares what each client received through a path with what it received from PostgreSQL.</summary>
public static class TranscriptComparer
{
    /// <summary>Every client whose normalised answers differ, with the first difference; empty when all match.</summary>
    /// <param name="expected">What each client received from PostgreSQL.</param>
    /// <param name="actual">What each client received through the path.</param>
    /// <param name="keepsSessionsAcrossServerEnd">
    /// The path is a <c>dest: pool</c> service, whose documented difference (docs/routing.md) is that a
    /// server ending its connection (FATAL 57P01…, as in a failover) costs the client its request or
    /// transaction (08006/08007), not its session: from there on that client's answers cannot be compared.
    /// </param>
    public static IReadOnlyList<Difference> Compare(IReadOnlyList<ClientTranscript> expected, IReadOnlyList<ClientTranscript> actual, bool keepsSessionsAcrossServerEnd = false)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var differences = new List<Difference>();
        for (var client = 0; client < expected.Count; client++)
        {
            // The answers first: a greeting value that differs is reported only when they match.
            var direct = TranscriptNormaliser.Lines(expected[client]);
            var through = TranscriptNormaliser.Lines(actual[client]);
            if (keepsSessionsAcrossServerEnd)
            {
                (direct, through) = UpToServerEnd(direct, through);
            }
            var difference = CompareLines(client, direct, through)
                ?? CompareGreeting(client, expected[client], actual[client]);
            if (difference is not null)
            {
                differences.Add(difference);
            }
        }
        return differences;
    }

    // Where PostgreSQL ended the client's session with the server's own FATAL and the dest: pool service
    // answered that request with 08006 or 08007 instead: both are cut there, the FATAL and the error included.
    private static (IReadOnlyList<string> Direct, IReadOnlyList<string> Through) UpToServerEnd(IReadOnlyList<string> direct, IReadOnlyList<string> through)
    {
        var at = 0;
        while (at < direct.Count && at < through.Count && direct[at] == through[at])
        {
            at++;
        }
        if (at < direct.Count && at < through.Count && IsServerFatal(direct[at]) && IsConnectionLostError(through[at]))
        {
            return ([.. direct.Take(at)], [.. through.Take(at)]);
        }
        return (direct, through);
    }

    private static bool IsServerFatal(string line) => line.StartsWith("ErrorResponse", StringComparison.Ordinal)
        && line.Contains("S:\"FATAL\"", StringComparison.Ordinal) && line.Contains("C:\"57P0", StringComparison.Ordinal);

    private static bool IsConnectionLostError(string line) => line.StartsWith("ErrorResponse", StringComparison.Ordinal)
        && (line.Contains("C:\"08006\"", StringComparison.Ordinal) || line.Contains("C:\"08007\"", StringComparison.Ordinal));

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
