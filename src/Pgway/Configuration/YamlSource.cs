using Pgway.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
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
            // for an empty key before a nested mapping ("  : a: b", found by bench/fuzz); their text
            // speaks of .NET objects, not of the file, so the place and words are found here.
            ReportUnexplained(text, file, diagnostics);
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
        if (OpenFlowCollection(text) is { } open && open.Line < location.Line)
        {
            // A '{' or '[' left open swallows the lines after it; the parser notices only where they stop fitting.
            diagnostics.Error(new SourceLocation(file, open.Line, open.Column), $"YAML syntax: {open.Describe()} is not closed (the parser gave up at line {location.Line}: {TrimMark(message)})");
            return;
        }
        if (FindCulprit(e, text, location.Line) is var (line, column))
        {
            location = new SourceLocation(file, line, column);
        }
        diagnostics.Error(location, $"YAML syntax: {TrimMark(message)}");
    }

    private static void ReportUnexplained(string text, string file, DiagnosticBag diagnostics)
    {
        if (OpenFlowCollection(text) is { } open)
        {
            diagnostics.Error(new SourceLocation(file, open.Line, open.Column), $"YAML syntax: {open.Describe()} is not closed");
            return;
        }
        var (line, column) = EmptyKey(text) ?? LastGoodMark(text);
        diagnostics.Error(new SourceLocation(file, line, column), "YAML syntax: the parser cannot read on from here (an empty key before a nested mapping, such as ': a: b'?)");
    }

    /// <summary>A flow collection the parser entered and never left, innermost first.</summary>
    private readonly record struct OpenCollection(int Line, int Column, bool IsMapping)
    {
        public string Describe() => IsMapping ? "the flow mapping '{' opened here" : "the flow list '[' opened here";
    }

    /// <summary>Replays the parse and returns the innermost flow collection still open where it failed.</summary>
    private static OpenCollection? OpenFlowCollection(string text)
    {
        // Every start is pushed (flow or not) so that every end pops its own start.
        var open = new Stack<OpenCollection?>();
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case MappingStart start:
                        open.Push(start.Style == MappingStyle.Flow ? new OpenCollection((int)start.Start.Line, (int)start.Start.Column, true) : null);
                        break;
                    case SequenceStart start:
                        open.Push(start.Style == SequenceStyle.Flow ? new OpenCollection((int)start.Start.Line, (int)start.Start.Column, false) : null);
                        break;
                    case MappingEnd or SequenceEnd when open.Count > 0:
                        open.Pop();
                        break;
                }
            }
            return null;
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException or ArgumentException)
        {
            return open.FirstOrDefault(c => c is not null);
        }
    }

    /// <summary>The first line that starts with an empty key (<c>: a: b</c>), which YamlDotNet cannot build a node for.</summary>
    private static (int Line, int Column)? EmptyKey(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var body = lines[i].TrimStart(' ');
            if (body.StartsWith(':') && (body.Length == 1 || char.IsWhiteSpace(body[1])))
            {
                return (i + 1, lines[i].Length - body.Length + 1);
            }
        }
        return null;
    }

    /// <summary>Where the last event the parser could read starts (within the text): the failure is there or just after.</summary>
    private static (int Line, int Column) LastGoodMark(string text)
    {
        var parser = new Parser(new StringReader(text));
        var mark = (Line: 1, Column: 1);
        try
        {
            while (parser.MoveNext())
            {
                mark = ((int)parser.Current!.Start.Line, (int)parser.Current.Start.Column);
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException or ArgumentException)
        {
            // The mark so far is the answer.
        }
        return (Math.Min(mark.Line, Math.Max(1, text.TrimEnd().Split('\n').Length)), mark.Column);
    }

    /// <summary>YamlDotNet reports some errors away from their cause; find the offending text ourselves.</summary>
    private static (int Line, int Column)? FindCulprit(YamlException e, string text, int reportedLine)
    {
        var lines = text.Split('\n');
        var isTab = e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase);
        if (isTab)
        {
            // The tab is on the reported line or one after it (the scanner reports the token before it).
            for (var i = Math.Max(0, reportedLine - 1); i < lines.Length; i++)
            {
                var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                if (lines[i][..indent].Contains('\t', StringComparison.Ordinal))
                {
                    return (i + 1, lines[i].IndexOf('\t', StringComparison.Ordinal) + 1);
                }
            }
        }
        if (reportedLine > 1)
        {
            return null;
        }
        for (var i = 0; i < lines.Length; i++)
        {
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
