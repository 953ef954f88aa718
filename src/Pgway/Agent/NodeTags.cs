using System.Collections.Frozen;
using System.Globalization;
using Newtonsoft.Json.Linq;

namespace Pgway.Agent;

/// <summary>
/// Patroni's instance tags (<c>nofailover</c>, <c>noloadbalance</c>, custom ones), kept as the text
/// Patroni compares <c>tag_&lt;key&gt;=&lt;value&gt;</c> query parameters against: strings as written,
/// anything else (booleans, numbers) in lower case, as Python's <c>str(value).lower()</c> gives.
/// </summary>
internal sealed class NodeTags
{
    public static readonly NodeTags None = new(FrozenDictionary<string, string>.Empty, FrozenDictionary<string, JToken>.Empty);

    private readonly FrozenDictionary<string, string> comparable;

    private NodeTags(FrozenDictionary<string, string> comparable, FrozenDictionary<string, JToken> values)
    {
        this.comparable = comparable;
        Values = values;
    }

    /// <summary>The tags as configured, for the GET body.</summary>
    public FrozenDictionary<string, JToken> Values { get; }

    /// <summary>Patroni's <c>noloadbalance</c>: the instance takes no replica traffic.</summary>
    public bool NoLoadBalance => IsTrue("noloadbalance");

    /// <summary>Patroni's <c>nofailover</c>: the instance is never promoted.</summary>
    public bool NoFailover => IsTrue("nofailover");

    /// <summary>The value a query parameter is compared with, or null when the tag is not set.</summary>
    public string? ComparableValue(string key) => comparable.GetValueOrDefault(key);

    /// <summary>Tags from an inventory mapping (<c>pg_tags</c>).</summary>
    public static NodeTags From(JObject? tags)
    {
        if (tags is null || tags.Count == 0)
        {
            return None;
        }
        var values = tags.Properties().Where(p => p.Value.Type != JTokenType.Null).ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        return new NodeTags(
            values.ToFrozenDictionary(p => p.Key, p => Comparable(p.Value), StringComparer.Ordinal),
            values.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>Tags given as <c>key=value</c> text (the command line); values are strings then, except true/false.</summary>
    public static NodeTags From(IEnumerable<KeyValuePair<string, string>> tags)
    {
        var json = new JObject();
        foreach (var (key, value) in tags)
        {
            json[key] = value switch
            {
                "true" or "True" => true,
                "false" or "False" => false,
                _ => value,
            };
        }
        return From(json);
    }

    private static string Comparable(JToken value) => value.Type switch
    {
        JTokenType.String => (string)value!,
        JTokenType.Boolean => (bool)value ? "true" : "false",
        _ when value is JValue scalar => Convert.ToString(scalar.Value, CultureInfo.InvariantCulture)?.ToLowerInvariant() ?? "",
        _ => value.ToString(Newtonsoft.Json.Formatting.None),
    };

    // Patroni reads these flags with Python's bool(): false, 0, "" and null are off; anything else,
    // even the string "false", is on. YAML booleans, as inventories write them, mean what they say.
    private bool IsTrue(string key) => Values.GetValueOrDefault(key) switch
    {
        null => false,
        { Type: JTokenType.Boolean } flag => (bool)flag,
        { Type: JTokenType.Integer } number => (long)number != 0,
        { Type: JTokenType.Float } number => (double)number != 0,
        { Type: JTokenType.String } text => ((string)text!).Length > 0,
        { Type: JTokenType.Array or JTokenType.Object } items => items.HasValues,
        _ => true,
    };
}
