namespace Pgway.Pooling;

/// <summary>
/// A limit on server connections shared by several pools: <c>max_db_connections</c> for every pool of
/// a database, <c>max_user_connections</c> for every pool of a user. Zero means no limit.
/// </summary>
internal sealed class ConnectionBudget(string setting, int limit)
{
    private int used;
    private volatile int limit = limit;

    /// <summary>The setting that imposes it and its value, for messages: "max_db_connections 100".</summary>
    public string Description => $"{setting} {limit}";

    /// <summary>The limit now; a reload changes it, and servers over a lowered limit close as they are released.</summary>
    public int Limit
    {
        get => limit;
        set => limit = value;
    }

    public int Used => Volatile.Read(ref used);

    public bool Exhausted => limit > 0 && Used >= limit;

    public bool TryTake()
    {
        while (true)
        {
            var now = Volatile.Read(ref used);
            if (limit > 0 && now >= limit)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref used, now + 1, now) == now)
            {
                return true;
            }
        }
    }

    public void Return() => Interlocked.Decrement(ref used);
}
