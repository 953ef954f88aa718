using Newtonsoft.Json.Linq;
using Pgway.Model;
using YamlDotNet.RepresentationModel;

namespace Pgway.Configuration;

/// <summary>One inventory variable: its YAML node (for locations and structure) and its value as JSON.</summary>
internal sealed record Variable(string Name, YamlNode Node, string File)
{
    private JToken? _value;

    public JToken Value => _value ??= YamlValues.ToJson(Node);

    public SourceLocation Location => YamlSource.Locate(File, Node);
}
