namespace Pgway.Differential.Comparing;

/// <summary>Where one client's answers through a path first differ from PostgreSQL's.</summary>
/// <param name="Client">The client (0-based).</param>
/// <param name="Index">The first differing line.</param>
/// <param name="Expected">PostgreSQL's line there (null: PostgreSQL's answers had ended).</param>
/// <param name="Actual">The path's line there (null: the path's answers had ended).</param>
/// <param name="Context">Both sides around the difference, for the report.</param>
public sealed record Difference(int Client, int Index, string? Expected, string? Actual, string Context)
{
    /// <summary>A short description that groups differences of one kind.</summary>
    public string Summary => $"c{Client + 1} expected {Short(Expected) ?? "(nothing more)"}, got {Short(Actual) ?? "(nothing more)"}";

    /// <summary>
    /// The kind of the difference, kept while shrinking: the message types on each side (with the
    /// SQLSTATE of an error), or how the session ended; answers missing before a hang or a close are
    /// one kind, whatever answer was missed first.
    /// </summary>
    public string Kind => KindOf(Actual) is "hang" or "closed" && KindOf(Expected) is not ("hang" or "closed")
        ? $"answers missing, then {KindOf(Actual)}"
        : $"{KindOf(Expected)} / {KindOf(Actual)}";

    private static string KindOf(string? line)
    {
        if (line is null)
        {
            return "(end)";
        }
        if (line.StartsWith("-- ", StringComparison.Ordinal))
        {
            return line.Contains("no answer", StringComparison.Ordinal) ? "hang" : "closed";
        }
        var words = line.Split(' ', 3);
        if (words[0] == "greeting")
        {
            return line.Split('=')[0];
        }
        if (words[0] is "ErrorResponse" or "NoticeResponse")
        {
            var code = line.IndexOf(" C:\"", StringComparison.Ordinal);
            return code < 0 ? words[0] : $"{words[0]} {line.Substring(code + 4, 5)}";
        }
        return words[0] == "ParameterStatus" ? line.Split('=')[0] : words[0];
    }

    private static string? Short(string? line) => line is null ? null : line.Length > 160 ? line[..160] + "…" : line;
}
