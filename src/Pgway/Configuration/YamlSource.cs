using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pgway.Configuration;

/// <summary>Parses YAML text into a node tree that remembers where every node came from.</summary>
internal static class YamlSource
{
    /// <summary>The document's root node, or null (with a diagnostic) when the text is not YAML.</summary>
    public static YamlNode? Parse(string text, string file, DiagnosticBag diagnostics)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            Report(e, text, file, diagnostics);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these (not a YamlException) for some unclosed flow collections and
            // for an empty key before a nested mapping ("  : a: b", found by bench/fuzz).
            diagnostics.Error(new SourceLocation(file, 1, 1), $"YAML syntax: {e.Message}");
            return null;
        }
        if (stream.Documents.Count == 0)
        {
            diagnostics.Error(new SourceLocation(file, 1, 1), "the file is empty; an inventory starts with 'all:'");
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            diagnostics.Error(Locate(file, stream.Documents[1].RootNode), "the file holds more than one YAML document; an inventory is one document");
        }
        return stream.Documents[0].RootNode;
    }

    private static void Report(YamlException e, string text, string file, DiagnosticBag diagnostics)
    {
        var message = e.InnerException is { } inner && inner.Message != e.Message
            ? $"{e.Message} {inner.Message}"
            : e.Message;
        var location = new SourceLocation(file, (int)e.Start.Line, (int)e.Start.Column);
        if (e.Start.Line <= 1 && e.End.Line <= 1 && FindCulprit(e, text) is var (line, column))
        {
            // YamlDotNet reports some errors at the document start; find the offending text ourselves.
            location = new SourceLocation(file, line, column);
        }
        diagnostics.Error(location, $"YAML syntax: {TrimMark(message)}");
    }

    private static (int Line, int Column)? FindCulprit(YamlException e, string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            if (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && lines[i][..indent].Contains('\t', StringComparison.Ordinal))
            {
                return (i + 1, 1);
            }
            if (e is AnchorNotFoundException && AnchorName(e.Message) is { } anchor &&
                lines[i].IndexOf($"*{anchor}", StringComparison.Ordinal) is >= 0 and var at)
            {
                return (i + 1, at + 1);
            }
        }
        return null;
    }

    private static string? AnchorName(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end] : null;
    }

    public static SourceLocation Locate(string file, YamlNode node) =>
        new(file, (int)node.Start.Line, (int)node.Start.Column);

    // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (…): "; our location says that already.
    private static string TrimMark(string message)
    {
        var dash = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith('(') && dash > 0 ? message[(dash + 3)..] : message;
    }
}
