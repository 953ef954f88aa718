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

    public static JToken ToJson(YamlNode node) => node switch
    {
        YamlScalarNode scalar => Scalar(scalar),
        YamlSequenceNode sequence => new JArray(sequence.Children.Select(ToJson)),
        YamlMappingNode mapping => Object(mapping),
        _ => JValue.CreateNull(),
    };

    /// <summary>Mapping entries with YAML merge keys (<c>&lt;&lt;: *anchor</c>) expanded; explicit keys win.</summary>
    public static IEnumerable<KeyValuePair<YamlScalarNode, YamlNode>> Entries(YamlMappingNode mapping)
    {
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
                    merged.AddRange(Entries(source));
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

    private static JObject Object(YamlMappingNode mapping)
    {
        var result = new JObject();
        foreach (var (key, value) in Entries(mapping))
        {
            result[key.Value ?? ""] = ToJson(value);
        }
        return result;
    }

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
