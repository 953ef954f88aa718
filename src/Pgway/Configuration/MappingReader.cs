using System.Globalization;
using Newtonsoft.Json.Linq;
using Pgway.Model;
using YamlDotNet.RepresentationModel;

namespace Pgway.Configuration;

/// <summary>
/// Reads one YAML mapping with a fixed set of keys: reports unknown keys with a
/// did-you-mean, and typed fields with the line they are on.
/// </summary>
internal sealed class MappingReader
{
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);
    private readonly string _file;
    private readonly DiagnosticBag _diagnostics;
    private readonly string _what;

    public MappingReader(YamlMappingNode node, string file, DiagnosticBag diagnostics, string what,
        IReadOnlyCollection<string> allowedKeys, Func<string, string?>? hintForUnknownKey = null)
    {
        _file = file;
        _diagnostics = diagnostics;
        _what = what;
        Location = YamlSource.Locate(file, node);
        foreach (var (key, value) in YamlValues.Entries(node))
        {
            var name = key.Value ?? "";
            if (!allowedKeys.Contains(name))
            {
                var hint = hintForUnknownKey?.Invoke(name) ?? Suggestions.DidYouMean(name, allowedKeys);
                diagnostics.Error(YamlSource.Locate(file, key), $"unknown key '{name}' in {what}{hint}");
                continue;
            }
            _entries[name] = (key, value);
        }
    }

    public SourceLocation Location { get; }

    public bool Has(string key) => _entries.ContainsKey(key) && !YamlValues.IsNull(_entries[key].Value);

    public YamlNode? Node(string key) => Has(key) ? _entries[key].Value : null;

    public SourceLocation LocationOf(string key) =>
        _entries.TryGetValue(key, out var entry) ? YamlSource.Locate(_file, entry.Value) : Location;

    public void RequireAll(params string[] keys)
    {
        foreach (var key in keys.Where(k => !Has(k)))
        {
            _diagnostics.Error(Location, $"{_what} is missing required key '{key}'");
        }
    }

    /// <summary>A scalar as text (numbers included: a port may be written 5432 or "postgres").</summary>
    public string? String(string key)
    {
        if (Node(key) is not { } node)
        {
            return null;
        }
        if (node is YamlScalarNode scalar)
        {
            return scalar.Value;
        }
        _diagnostics.Error(LocationOf(key), $"'{key}' in {_what} must be a single value, not a {Describe(node)}");
        return null;
    }

    public int? Int(string key, int min, int max)
    {
        if (Node(key) is not { } node)
        {
            return null;
        }
        var value = YamlValues.ToJson(node);
        if (value.Type == JTokenType.Integer && value.Value<long>() is var n && n >= min && n <= max)
        {
            return (int)n;
        }
        _diagnostics.Error(LocationOf(key), $"'{key}' in {_what} must be an integer from {min} to {max}, got '{Text(node)}'");
        return null;
    }

    public bool? Bool(string key)
    {
        if (Node(key) is not { } node)
        {
            return null;
        }
        if (YamlValues.ToJson(node) is { Type: JTokenType.Boolean } value)
        {
            return value.Value<bool>();
        }
        _diagnostics.Error(LocationOf(key), $"'{key}' in {_what} must be true or false, got '{Text(node)}'");
        return null;
    }

    public YamlMappingNode? Mapping(string key)
    {
        if (Node(key) is not { } node)
        {
            return null;
        }
        if (node is YamlMappingNode mapping)
        {
            return mapping;
        }
        _diagnostics.Error(LocationOf(key), $"'{key}' in {_what} must be a mapping, not a {Describe(node)}");
        return null;
    }

    internal static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "single value",
    };

    internal static string Text(YamlNode node) => node is YamlScalarNode s
        ? s.Value ?? ""
        : YamlValues.ToJson(node).ToString(Newtonsoft.Json.Formatting.None);

    internal static bool TryInt(JToken? value, out int result)
    {
        result = 0;
        if (value?.Type == JTokenType.Integer && value.Value<long>() is var n && n is >= int.MinValue and <= int.MaxValue)
        {
            result = (int)n;
            return true;
        }
        return value?.Type == JTokenType.String && int.TryParse(value.Value<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out result);
    }
}
