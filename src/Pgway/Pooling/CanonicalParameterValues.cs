using System.Collections.Concurrent;

namespace Pgway.Pooling;

/// <summary>
/// What PostgreSQL reports for a parameter value as a client gave it: the server writes values in
/// its own form (<c>DateStyle=German</c> becomes <c>German, DMY</c>, <c>client_encoding=utf8</c> becomes
/// <c>UTF8</c>, a long <c>application_name</c> is cut), and its greeting says so. pgway greets clients
/// itself, so it learns each form once from a server and greets with that. Bounded: past the limit,
/// new values are asked of a server at each log-in instead of being remembered.
/// </summary>
internal sealed class CanonicalParameterValues
{
    private const int Limit = 10_000;
    private readonly ConcurrentDictionary<(string Name, string Value), string> known = new();

    public bool TryGet(string name, string value, out string canonical) =>
        known.TryGetValue((name.ToLowerInvariant(), value), out canonical!);

    public void Learn(string name, string value, string canonical)
    {
        if (known.Count < Limit)
        {
            known.TryAdd((name.ToLowerInvariant(), value), canonical);
        }
    }
}
