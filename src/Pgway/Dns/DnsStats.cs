using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Pgway.Dns;

/// <summary>
/// Queries by name and result since start, for the stats page, <c>/status.json</c> and <c>/metrics</c>. Names are only
/// those pgway answers (and <see cref="DnsAnswerer.OtherName"/> for every other), and at most <see cref="MaxNames"/> of
/// them, so what clients ask cannot grow the labels. Nothing is logged per query.
/// </summary>
internal sealed class DnsStats
{
    /// <summary>Distinct names counted at most; past it, further names count as <see cref="DnsAnswerer.OtherName"/>.</summary>
    public const int MaxNames = 1000;

    private readonly ConcurrentDictionary<string, long[]> counts = new(StringComparer.Ordinal);

    public void Count(string name, DnsResult result)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!counts.TryGetValue(name, out var row))
        {
            row = counts.Count >= MaxNames && name != DnsAnswerer.OtherName
                ? counts.GetOrAdd(DnsAnswerer.OtherName, _ => new long[DnsResults.All.Count])
                : counts.GetOrAdd(name, _ => new long[DnsResults.All.Count]);
        }
        Interlocked.Increment(ref row[(int)result]);
    }

    /// <summary>Every name's counts now, by result label, names in order.</summary>
    public IReadOnlyList<DnsQueryCount> Read() =>
        [.. counts.OrderBy(c => c.Key, StringComparer.Ordinal)
            .SelectMany(c => DnsResults.All.Select(r => new DnsQueryCount(c.Key, DnsResults.Label(r), Interlocked.Read(ref c.Value[(int)r]))))
            .Where(c => c.Queries > 0)];

    /// <summary><c>pgway_dns_queries_total</c>.</summary>
    public string Metrics()
    {
        var text = new StringBuilder();
        text.Append("# HELP pgway_dns_queries_total DNS queries since start, by name asked (other: a name pgway does not answer) and result.\n# TYPE pgway_dns_queries_total counter\n");
        foreach (var count in Read())
        {
            text.Append(CultureInfo.InvariantCulture, $"pgway_dns_queries_total{{name=\"{count.Name}\",result=\"{count.Result}\"}} {count.Queries}\n");
        }
        return text.ToString();
    }
}
