using System.Buffers;
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
    // Keyed by the parse context, a zero byte and the definition: the one copy of the definition kept.
    private readonly Dictionary<byte[], SharedStatement> byDefinition = new(DefinitionComparer.Instance);
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
    public SharedStatement Acquire(ReadOnlySpan<byte> definition, string parseContext = "") => Lookup(definition, parseContext, create: true)!;

    /// <summary>The statement of <paramref name="definition"/> under <paramref name="parseContext"/> if known now; no reference taken, nothing made.</summary>
    public SharedStatement? Find(ReadOnlySpan<byte> definition, string parseContext = "") => Lookup(definition, parseContext, create: false);

    private SharedStatement? Lookup(ReadOnlySpan<byte> definition, string parseContext, bool create)
    {
        ArgumentNullException.ThrowIfNull(parseContext);
        var contextLength = Encoding.UTF8.GetByteCount(parseContext);
        var length = contextLength + 1 + definition.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encoding.UTF8.GetBytes(parseContext, rented);
            rented[contextLength] = 0;
            definition.CopyTo(rented.AsSpan(contextLength + 1));
            var key = rented.AsSpan(0, length);
            lock (gate)
            {
                var lookup = byDefinition.GetAlternateLookup<ReadOnlySpan<byte>>();
                if (!lookup.TryGetValue(key, out var statement))
                {
                    if (!create)
                    {
                        return null;
                    }
                    statement = new SharedStatement(++lastNumber, key.ToArray(), contextLength + 1);
                    byDefinition[statement.Key] = statement;
                }
                if (create)
                {
                    statement.References++;
                }
                return statement;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
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

    /// <summary>Bytes of the definitions of the statements known now (each kept once).</summary>
    public long DefinitionBytes
    {
        get
        {
            lock (gate)
            {
                long total = 0;
                foreach (var statement in byDefinition.Values)
                {
                    total += statement.DefinitionLength;
                }
                return total;
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

    private static string QueryText(ReadOnlySpan<byte> definition)
    {
        var end = definition.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? definition : definition[..end]);
    }
}
