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
            var mark = e.Start;
            var message = e.InnerException is { } inner && inner.Message != e.Message
                ? $"{e.Message} {inner.Message}"
                : e.Message;
            diagnostics.Error(new SourceLocation(file, (int)mark.Line, (int)mark.Column), $"YAML syntax: {TrimMark(message)}");
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

    public static SourceLocation Locate(string file, YamlNode node) =>
        new(file, (int)node.Start.Line, (int)node.Start.Column);

    // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (…): "; our location says that already.
    private static string TrimMark(string message)
    {
        var dash = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith('(') && dash > 0 ? message[(dash + 3)..] : message;
    }
}
