using System.Buffers;
using System.Text;

namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// The pooler's prepared statements by definition: each distinct query text (with its parameter
/// types) gets one server-side name, shared by every client that prepares it under any name. A
/// statement is forgotten when no client name and no server cache refers to it any more. Taken on
/// Parse and given back on Close, eviction and server close: never per transaction.
/// </summary>
internal sealed class StatementRegistry(string serverNamePrefix)
{
    // Statements are spread over stripes by their key's hash, each with its own lock: clients of every
    // loop preparing at once contend only when their statements share a stripe, not on one process-wide lock.
    private const int StripeCount = 16;

    private readonly Stripe[] stripes = [.. Enumerable.Range(0, StripeCount).Select(_ => new Stripe())];
    private long lastNumber;

    /// <summary>
    /// Server-side names <c>pgway_</c>, a random tag of this registry's, and a number: a name a client
    /// passes on unmapped (a Bind or Describe of a name it never prepared, SQL's EXECUTE or DEALLOCATE)
    /// must not be one of pgway's, or it would run, or drop, another client's statement where
    /// PostgreSQL answers 26000.
    /// </summary>
    public StatementRegistry()
        : this($"pgway_{System.Security.Cryptography.RandomNumberGenerator.GetHexString(12, lowercase: true)}_")
    {
    }

    /// <summary>What every server-side name begins with.</summary>
    public string ServerNamePrefix { get; } = serverNamePrefix;

    /// <summary>Statements known now.</summary>
    public int Count
    {
        get
        {
            var count = 0;
            foreach (var stripe in stripes)
            {
                lock (stripe.Gate)
                {
                    count += stripe.ByDefinition.Count;
                }
            }
            return count;
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
            var index = StripeOf(key);
            var stripe = stripes[index];
            lock (stripe.Gate)
            {
                if (!stripe.Lookup.TryGetValue(key, out var statement))
                {
                    if (!create)
                    {
                        return null;
                    }
                    statement = new SharedStatement(ServerNamePrefix + Interlocked.Increment(ref lastNumber).ToString(System.Globalization.CultureInfo.InvariantCulture), key.ToArray(), contextLength + 1, index);
                    stripe.ByDefinition[statement.Key] = statement;
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
        lock (stripes[statement.Stripe].Gate)
        {
            statement.References++;
        }
    }

    /// <summary>Gives a reference back; the last one forgets the statement.</summary>
    public void Release(SharedStatement statement)
    {
        var stripe = stripes[statement.Stripe];
        lock (stripe.Gate)
        {
            if (--statement.References == 0)
            {
                stripe.ByDefinition.Remove(statement.Key);
            }
        }
    }

    /// <summary>Bytes of the definitions of the statements known now (each kept once).</summary>
    public long DefinitionBytes
    {
        get
        {
            long total = 0;
            foreach (var stripe in stripes)
            {
                lock (stripe.Gate)
                {
                    foreach (var statement in stripe.ByDefinition.Values)
                    {
                        total += statement.DefinitionLength;
                    }
                }
            }
            return total;
        }
    }

    /// <summary>Every statement known now, with its references, for the admin console.</summary>
    public IReadOnlyList<(string ServerName, string Query, int References)> Snapshot()
    {
        var all = new List<(string, string, int)>();
        foreach (var stripe in stripes)
        {
            lock (stripe.Gate)
            {
                all.AddRange(stripe.ByDefinition.Values.Select(s => (s.ServerName, QueryText(s.Definition), s.References)));
            }
        }
        return all;
    }

    // The stripe's own dictionary hashes the key again: the cost of one pass over the bytes, at a
    // Parse, against a lock every loop shares.
    private static int StripeOf(ReadOnlySpan<byte> key) => (int)((uint)DefinitionComparer.Instance.GetHashCode(key) % StripeCount);

    private static string QueryText(ReadOnlySpan<byte> definition)
    {
        var end = definition.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? definition : definition[..end]);
    }

    private sealed class Stripe
    {
        public readonly Lock Gate = new();
        // Keyed by the parse context, a zero byte and the definition: the one copy of the definition kept.
        public readonly Dictionary<byte[], SharedStatement> ByDefinition;
        public readonly Dictionary<byte[], SharedStatement>.AlternateLookup<ReadOnlySpan<byte>> Lookup;

        public Stripe()
        {
            ByDefinition = new(DefinitionComparer.Instance);
            Lookup = ByDefinition.GetAlternateLookup<ReadOnlySpan<byte>>();
        }
    }
}
