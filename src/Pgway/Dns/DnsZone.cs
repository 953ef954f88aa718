using System.Collections.Frozen;
using System.Text;

namespace Pgway.Dns;

/// <summary>
/// Every name pgway answers, at one moment: built whole from the clusters' views (<see cref="DnsZoneBuilder"/>) and
/// replaced whole when they change, so a query reads one consistent state. Names are kept in lower case without the
/// final dot; a lookup folds the case of what it is asked.
/// </summary>
internal sealed class DnsZone
{
    private readonly FrozenDictionary<string, DnsNode> names;
    private readonly FrozenSet<string> apexes;
    // The most labels an apex has: a lookup walks up at most that far.
    private readonly int maxApexLabels;

    public DnsZone(IReadOnlyDictionary<string, DnsNode> names, IEnumerable<string> apexes)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(apexes);
        this.names = names.ToFrozenDictionary(StringComparer.Ordinal);
        this.apexes = apexes.ToFrozenSet(StringComparer.Ordinal);
        maxApexLabels = this.apexes.Count == 0 ? 0 : this.apexes.Max(a => a.Count(c => c == '.') + 1);
    }

    public static readonly DnsZone Empty = new(new Dictionary<string, DnsNode>(), []);

    /// <summary>The names pgway answers (lower case): the labels of <c>pgway_dns_queries_total</c>, which are therefore bounded.</summary>
    public IEnumerable<string> Names => names.Keys;

    /// <summary>The apexes of the zones pgway owns.</summary>
    public IEnumerable<string> Apexes => apexes;

    /// <summary>
    /// The key a name asked is looked up by: its labels joined with dots, A to Z folded to lower case and nothing else
    /// (RFC 4343: DNS folds ASCII only, so no Unicode letter may fold into one of our names), and a dot or any byte
    /// outside printable ASCII within a label made a '?', which no name of ours holds: the one label
    /// <c>primary\.pg-test</c> is not the two of <c>primary.pg-test</c>.
    /// </summary>
    public static string Key(IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var key = new StringBuilder(64);
        foreach (var label in labels)
        {
            if (key.Length > 0)
            {
                key.Append('.');
            }
            foreach (var c in label)
            {
                key.Append(c is '.' or < '!' or > '~' ? '?' : char.ToLowerInvariant(c));
            }
        }
        return key.ToString();
    }

    /// <summary>Looks <paramref name="name"/> up (any case of A to Z, no final dot).</summary>
    public DnsLookup Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = Key(name.Split('.'));
        var apex = ApexOf(key);
        if (apex is null)
        {
            return new DnsLookup(DnsLookupKind.Outside, null, null);
        }
        return names.TryGetValue(key, out var node)
            ? new DnsLookup(DnsLookupKind.Found, node, apex)
            : new DnsLookup(DnsLookupKind.NoSuchName, null, apex);
    }

    /// <summary>Whether <paramref name="name"/> (lower case) is one pgway answers: the label it is counted under.</summary>
    public bool Has(string name) => names.ContainsKey(name);

    public bool IsApex(string name) => apexes.Contains(name);

    /// <summary>The records at <paramref name="apex"/> (lower case), its name servers among them; empty when it holds none.</summary>
    public DnsNode ApexNode(string apex) => names.TryGetValue(apex, out var node) ? node : DnsNode.Empty;

    // The closest enclosing apex: pg-test.pigsty is under both pigsty and pg-test.pigsty; the latter's SOA answers.
    private string? ApexOf(string name)
    {
        var labels = name.Count(c => c == '.') + 1;
        var start = 0;
        while (labels > maxApexLabels)
        {
            start = name.IndexOf('.', start) + 1;
            labels--;
        }
        while (true)
        {
            var candidate = start == 0 ? name : name[start..];
            if (apexes.Contains(candidate))
            {
                return candidate;
            }
            var dot = name.IndexOf('.', start);
            if (dot < 0)
            {
                return null;
            }
            start = dot + 1;
        }
    }
}
