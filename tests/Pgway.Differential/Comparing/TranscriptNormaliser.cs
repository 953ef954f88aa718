using System.Text.RegularExpressions;
using Pgway.Differential.Running;
using Pgway.Differential.Wire;

namespace Pgway.Differential.Comparing;

/// <summary>
/// Turns a client's transcript into the lines that are compared, leaving out only what may
/// legitimately differ between PostgreSQL and pgway:
/// <list type="bullet">
/// <item>BackendKeyData (a pooler gives each client a key of its own);</item>
/// <item>the greeting's ParameterStatus set (compared apart: values of names both send must match);</item>
/// <item>a ParameterStatus repeating the value the client already has (a pooler re-reports parameters
/// when it moves a client to another server; the client learns nothing new);</item>
/// <item>server-side names of prepared statements in messages (pgway names them <c>pgway_</c>, a tag, and a number);</item>
/// <item>an error's source location in PostgreSQL (F, L, R fields): the same error may be raised by another routine through pgway;</item>
/// <item>and, by rendering, the NotificationResponse sender's PID and RowDescription's table OIDs, which
/// differ between any two runs (tables are made anew for each path).</item>
/// </list>
/// </summary>
public static partial class TranscriptNormaliser
{
    /// <summary>The compared lines: unusual greeting messages, every later message normalised, and how the session ended.</summary>
    public static IReadOnlyList<string> Lines(ClientTranscript transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var lines = new List<string>();
        var known = GreetingParameters(transcript);
        foreach (var message in transcript.Greeting)
        {
            if (message.Type is not ('S' or 'K' or 'Z'))
            {
                lines.Add("greeting: " + Line(message));
            }
        }
        foreach (var message in transcript.Messages)
        {
            if (message.Type == 'K')
            {
                continue;
            }
            if (message.Type == 'S')
            {
                var (name, value) = message.Parameter;
                if (known.TryGetValue(name, out var had) && had == value)
                {
                    continue;
                }
                known[name] = value;
            }
            lines.Add(Line(message));
        }
        if (transcript.End is not null)
        {
            lines.Add($"-- {transcript.End}");
        }
        return lines;
    }

    /// <summary>The ParameterStatus values of the greeting, by name.</summary>
    public static Dictionary<string, string> GreetingParameters(ClientTranscript transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var message in transcript.Greeting.Where(m => m.Type == 'S'))
        {
            parameters[message.Parameter.Name] = message.Parameter.Value;
        }
        return parameters;
    }

    /// <summary>One message as compared.</summary>
    public static string Line(BackendMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = message.ToString();
        return message.Type is 'E' or 'N' ? SourceLocation().Replace(StatementName().Replace(text, "prepared statement \\\"…\\\""), "") : text;
    }

    [GeneratedRegex("prepared statement \\\\\"[^\"\\\\]*\\\\\"")]
    private static partial Regex StatementName();

    // Where in PostgreSQL's source an error was raised (F, L, R): the same error can come from another
    // routine through pgway (a Parse pgway sends before the client's Bind meets a failed transaction first).
    [GeneratedRegex(" [FLR]:\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex SourceLocation();
}
