namespace Pgway.Bench.Failover;

/// <summary>
/// Where the writers of one row of the table connect (client i uses connection string i modulo their count),
/// and how to tell from the proxy's log when it marked the new primary up (the first line naming
/// "&lt;service&gt;/&lt;member&gt; is UP" after the kill). Without a proxy the writers go straight to postgres: the
/// floor, what a client that already knew the new primary would see.
/// </summary>
internal sealed record Target(string Name, IReadOnlyList<string> ConnectionStrings, ChildProcess? Proxy, string? Service, int? Clients = null)
{
    public Target(string name, string connectionString, ChildProcess proxy, string service)
        : this(name, [connectionString], proxy, service)
    {
    }

    public bool IsDirect => Proxy is null;

    public DateTime? MarkedUpAt(DateTime after, string member) => Proxy?.FirstLineAfter(after, $"{Service}/{member} is UP");

    /// <summary>
    /// The floor: one writer per candidate, each on a connection straight to it (failing with "read-only
    /// transaction" until it is promoted, and keeping its connection meanwhile).
    /// </summary>
    public static Target Direct(IReadOnlyList<string> candidates) => new("direct (floor)", candidates, null, null, candidates.Count);
}
