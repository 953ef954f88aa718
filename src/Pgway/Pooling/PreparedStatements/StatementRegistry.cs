using System.Text;

namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// The pooler's prepared statements by definition: each distinct query text (with its parameter
/// types) gets one server-side name, shared by every client that prepares it under any name. A
/// statement is forgotten when no client name and no server cache refers to it any more. Taken on
/// Parse and given back on Close, eviction and server close: never per transaction.
/// </summary>
internal sealed class StatementRegistry
{
    private readonly Lock gate = new();
    // Keyed by the definition's bytes as Latin-1 characters: one char per byte, nothing lost.
    private readonly Dictionary<string, SharedStatement> byDefinition = new(StringComparer.Ordinal);
    private long lastNumber;

    /// <summary>Statements known now.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return byDefinition.Count;
            }
        }
    }

    /// <summary>
    /// The statement of <paramref name="definition"/> parsed under <paramref name="parseContext"/> (the
    /// settings that change what a query text means: a literal's date order or time zone, the schema a
    /// name resolves in), made on first use; one reference taken for the caller.
    /// </summary>
    public SharedStatement Acquire(ReadOnlySpan<byte> definition, string parseContext = "")
    {
        var key = string.Concat(parseContext, "\0", Encoding.Latin1.GetString(definition));
        lock (gate)
        {
            if (!byDefinition.TryGetValue(key, out var statement))
            {
                statement = new SharedStatement(++lastNumber, definition.ToArray(), key);
                byDefinition[key] = statement;
            }
            statement.References++;
            return statement;
        }
    }

    /// <summary>One more reference to a statement the caller already holds one of.</summary>
    public void AddReference(SharedStatement statement)
    {
        lock (gate)
        {
            statement.References++;
        }
    }

    /// <summary>Gives a reference back; the last one forgets the statement.</summary>
    public void Release(SharedStatement statement)
    {
        lock (gate)
        {
            if (--statement.References == 0)
            {
                byDefinition.Remove(statement.Key);
            }
        }
    }

    /// <summary>Every statement known now, with its references, for the admin console.</summary>
    public IReadOnlyList<(string ServerName, string Query, int References)> Snapshot()
    {
        lock (gate)
        {
            return [.. byDefinition.Values.Select(s => (s.ServerName, QueryText(s.Definition), s.References))];
        }
    }

    private static string QueryText(byte[] definition)
    {
        var end = Array.IndexOf(definition, (byte)0);
        return Encoding.UTF8.GetString(definition, 0, end < 0 ? definition.Length : end);
    }
}
