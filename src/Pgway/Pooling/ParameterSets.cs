using System.Collections.Concurrent;

namespace Pgway.Pooling;

/// <summary>
/// Small numbers naming the sets of session parameters clients log in with or SET: clients with the
/// same set get the same number, so a server already brought to that set is known to need nothing.
/// A set already seen is found from the client's own dictionary, without building a key: that is
/// every borrow after a SET, and every new client of an application already seen.
/// </summary>
internal sealed class ParameterSets
{
    // Bounded: unique application names, say, must not grow the table without end.
    public const int Limit = 10_000;

    private readonly ConcurrentDictionary<ParameterSetKey, int> ids = new(ParameterSetKey.Comparer.Instance);
    private readonly ConcurrentDictionary<ParameterSetKey, int>.AlternateLookup<Dictionary<string, string>> byParameters;
    private int next;

    public ParameterSets() => byParameters = ids.GetAlternateLookup<Dictionary<string, string>>();

    /// <summary>
    /// The number of <paramref name="parameters"/> (names compared as the dictionary compares them, case
    /// aside; values exactly); 0 when <see cref="Limit"/> sets are known already and this is not one.
    /// </summary>
    public int IdOf(Dictionary<string, string> parameters)
    {
        if (byParameters.TryGetValue(parameters, out var id))
        {
            return id;
        }
        if (Volatile.Read(ref next) >= Limit)
        {
            return 0;
        }
        var made = Interlocked.Increment(ref next);
        // Another client may have added the same set meanwhile: its number is the one.
        return byParameters.TryAdd(parameters, made) || !byParameters.TryGetValue(parameters, out id) ? made : id;
    }
}
