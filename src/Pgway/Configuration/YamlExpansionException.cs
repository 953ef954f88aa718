using YamlDotNet.RepresentationModel;

namespace Pgway.Configuration;

/// <summary>YAML whose aliases expand without bound; the loader turns it into a diagnostic.</summary>
internal sealed class YamlExpansionException(YamlNode node, string message) : Exception(message)
{
    public YamlNode Node { get; } = node;
}
