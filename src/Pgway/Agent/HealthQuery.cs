namespace Pgway.Agent;

/// <summary>
/// The query parameters of a health request, read as Python's <c>parse_qs</c> reads them for Patroni:
/// <c>&amp;</c>-separated, percent- and plus-decoded, blank values dropped, the first value of a key wins.
/// </summary>
internal sealed class HealthQuery
{
    public static readonly HealthQuery Empty = new(new Dictionary<string, string>(StringComparer.Ordinal));

    private const string TagPrefix = "tag_";

    // A plain dictionary: one is built per agent request, and a frozen one costs more to build than it saves.
    private HealthQuery(Dictionary<string, string> values)
    {
        Values = values;
        MaxLag = values.TryGetValue("lag", out var lag) ? PatroniByteSize.Parse(lag) : null;
    }

    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>The largest tolerated replay lag in bytes; null means no limit (absent or unparseable, as in Patroni).</summary>
    public long? MaxLag { get; }

    /// <summary>The <c>replication_state</c> asked for, e.g. <c>streaming</c>.</summary>
    public string? ReplicationState => Values.GetValueOrDefault("replication_state");

    /// <summary>The <c>tag_&lt;key&gt;=&lt;value&gt;</c> conditions, in the order given.</summary>
    public IEnumerable<KeyValuePair<string, string>> TagConditions =>
        Values.Where(p => p.Key.StartsWith(TagPrefix, StringComparison.Ordinal))
              .Select(p => KeyValuePair.Create(p.Key[TagPrefix.Length..], p.Value));

    /// <summary>Parses the text after <c>?</c> (a leading <c>?</c> is ignored).</summary>
    public static HealthQuery Parse(string? query)
    {
        if (string.IsNullOrEmpty(query))
        {
            return Empty;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.TrimStart('?').Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }
            var key = Decode(pair[..equals]);
            var value = Decode(pair[(equals + 1)..]);
            if (value.Length > 0)
            {
                values.TryAdd(key, value);
            }
        }
        return new HealthQuery(values);
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
