namespace Pgway.Pooling;

/// <summary>
/// A set of session parameters as <see cref="ParameterSets"/> keeps it: a copy taken when the set is
/// first seen, compared with a client's live dictionary without copying that.
/// </summary>
internal sealed class ParameterSetKey
{
    private readonly KeyValuePair<string, string>[] parameters;
    private readonly int hash;

    private ParameterSetKey(Dictionary<string, string> parameters)
    {
        this.parameters = [.. parameters];
        hash = Hash(parameters);
    }

    // The same whatever the order the pairs come in: a sum of each pair's hash (seeded per process, so a
    // client cannot choose parameters that all collide).
    private static int Hash(Dictionary<string, string> parameters)
    {
        var sum = 0;
        foreach (var (name, value) in parameters)
        {
            sum = unchecked(sum + HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(name), StringComparer.Ordinal.GetHashCode(value)));
        }
        return sum;
    }

    // The client's dictionary compares names without case (as PostgreSQL's setting names are).
    private bool Matches(Dictionary<string, string> other)
    {
        if (other.Count != parameters.Length)
        {
            return false;
        }
        foreach (var (name, value) in parameters)
        {
            if (!other.TryGetValue(name, out var otherValue) || !string.Equals(value, otherValue, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Compares keys with each other, and with a client's dictionary of parameters.</summary>
    internal sealed class Comparer : IEqualityComparer<ParameterSetKey>, IAlternateEqualityComparer<Dictionary<string, string>, ParameterSetKey>
    {
        public static Comparer Instance { get; } = new();

        public bool Equals(ParameterSetKey? x, ParameterSetKey? y)
        {
            if (ReferenceEquals(x, y))
            {
                return true;
            }
            if (x is null || y is null || x.hash != y.hash || x.parameters.Length != y.parameters.Length)
            {
                return false;
            }
            // A handful of parameters: a search of each is cheaper than a dictionary.
            foreach (var (name, value) in y.parameters)
            {
                var found = false;
                foreach (var (otherName, otherValue) in x.parameters)
                {
                    if (string.Equals(name, otherName, StringComparison.OrdinalIgnoreCase))
                    {
                        found = string.Equals(value, otherValue, StringComparison.Ordinal);
                        break;
                    }
                }
                if (!found)
                {
                    return false;
                }
            }
            return true;
        }

        public int GetHashCode(ParameterSetKey obj) => obj.hash;

        public bool Equals(Dictionary<string, string> alternate, ParameterSetKey other) => other.Matches(alternate);

        public int GetHashCode(Dictionary<string, string> alternate) => Hash(alternate);

        public ParameterSetKey Create(Dictionary<string, string> alternate) => new(alternate);
    }
}
