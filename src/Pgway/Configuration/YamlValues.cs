using System.Globalization;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pgway.Configuration;

/// <summary>
/// Turns YAML nodes into JSON values the way Ansible (PyYAML, YAML 1.1) types them,
/// because inventories are written for Ansible: <c>yes</c> is true, <c>010</c> is a number.
/// </summary>
internal static partial class YamlValues
{
    public const string MergeKey = "<<";

    /// <summary>Deeper than any real inventory; reached only through an alias that contains itself.</summary>
    public const int MaxDepth = 128;

    /// <summary>Values one variable may expand to: bounds "billion laughs" alias bombs.</summary>
    public const int MaxValues = 1_000_000;

    public static JToken ToJson(YamlNode node)
    {
        var budget = MaxValues;
        return ToJson(node, 0, ref budget);
    }

    private static JToken ToJson(YamlNode node, int depth, ref int budget)
    {
        if (depth > MaxDepth)
        {
            throw new YamlExpansionException(node, $"the YAML nests deeper than {MaxDepth} levels (an alias that contains itself?)");
        }
        if (--budget < 0)
        {
            throw new YamlExpansionException(node, $"the YAML expands to more than {MaxValues} values through aliases");
        }
        switch (node)
        {
            case YamlScalarNode scalar:
                return Scalar(scalar);
            case YamlSequenceNode sequence:
                var array = new JArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(ToJson(item, depth + 1, ref budget));
                }
                return array;
            case YamlMappingNode mapping:
                var result = new JObject();
                foreach (var (key, value) in Entries(mapping, depth))
                {
                    result[key.Value ?? ""] = ToJson(value, depth + 1, ref budget);
                }
                return result;
            default:
                return JValue.CreateNull();
        }
    }

    /// <summary>Mapping entries with YAML merge keys (<c>&lt;&lt;: *anchor</c>) expanded; explicit keys win.</summary>
    public static IEnumerable<KeyValuePair<YamlScalarNode, YamlNode>> Entries(YamlMappingNode mapping, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            throw new YamlExpansionException(mapping, $"YAML merge keys nest deeper than {MaxDepth} levels (a mapping that merges itself?)");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var merged = new List<KeyValuePair<YamlScalarNode, YamlNode>>();
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode scalarKey)
            {
                continue;
            }
            if (scalarKey.Value == MergeKey && scalarKey.Style == ScalarStyle.Plain)
            {
                var sources = value is YamlSequenceNode list ? list.Children : [value];
                foreach (var source in sources.OfType<YamlMappingNode>())
                {
                    merged.AddRange(Entries(source, depth + 1));
                }
                continue;
            }
            seen.Add(scalarKey.Value ?? "");
            yield return new(scalarKey, value);
        }
        foreach (var entry in merged)
        {
            if (seen.Add(entry.Key.Value ?? ""))
            {
                yield return entry;
            }
        }
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode s && s.Style == ScalarStyle.Plain && Scalar(s).Type == JTokenType.Null;

    private static JValue Scalar(YamlScalarNode node)
    {
        var text = node.Value ?? "";
        var tag = node.Tag.IsEmpty ? "" : node.Tag.Value;
        if (tag == "tag:yaml.org,2002:str" || (node.Style != ScalarStyle.Plain && tag.Length == 0))
        {
            return new JValue(text);
        }
        return ResolvePlain(text);
    }

    /// <summary>YAML 1.1 plain-scalar resolution (the rules PyYAML applies).</summary>
    internal static JValue ResolvePlain(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return JValue.CreateNull();
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON":
                return new JValue(true);
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF":
                return new JValue(false);
        }
        var digits = text.Replace("_", "", StringComparison.Ordinal);
        if (IsInteger(digits))
        {
            var negative = digits.StartsWith('-');
            var body = digits.TrimStart('+', '-');
            long? value = body.StartsWith("0x", StringComparison.Ordinal)
                ? ParseRadix(body[2..], 16)
                : body.StartsWith("0o", StringComparison.Ordinal) ? ParseRadix(body[2..], 8)
                : body.Length > 1 && body[0] == '0' ? ParseRadix(body[1..], 8)
                : long.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
            if (value is { } v)
            {
                return new JValue(negative ? -v : v);
            }
        }
        if (IsFloat(digits) && double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return new JValue(d);
        }
        return new JValue(text);
    }

    private static bool IsInteger(string text)
    {
        var body = text.TrimStart('+', '-');
        if (body.Length == 0 || text.Length - body.Length > 1)
        {
            return false;
        }
        if (body.StartsWith("0x", StringComparison.Ordinal))
        {
            return body.Length > 2 && body[2..].All(Uri.IsHexDigit);
        }
        if (body.StartsWith("0o", StringComparison.Ordinal))
        {
            return body.Length > 2 && body[2..].All(c => c is >= '0' and <= '7');
        }
        return body.All(char.IsAsciiDigit);
    }

    // YAML 1.1's float pattern; a plain "1e3" without a dot stays a string there, and so here.
    [GeneratedRegex(@"^[-+]?([0-9][0-9]*)?\.[0-9]*([eE][-+][0-9]+)?$")]
    private static partial Regex FloatPattern();

    private static bool IsFloat(string text) => text != "." && FloatPattern().IsMatch(text);

    private static long? ParseRadix(string digits, int radix)
    {
        try
        {
            return digits.Length == 0 ? 0 : Convert.ToInt64(digits, radix);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return null;
        }
    }
}
