namespace Pgway.Health;

/// <summary>
/// HAProxy's timeouts for a check: with <c>timeout check</c> set, connecting may take
/// <c>min(timeout connect, inter)</c> and the answer <c>timeout check</c> more; without it, the
/// interval bounds the whole check. Pigsty sets both to 3 s.
/// </summary>
public sealed record CheckTimeouts(TimeSpan Connect, TimeSpan? Check)
{
    public static readonly CheckTimeouts Pigsty = new(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3));

    /// <summary>The time to connect and the time for the whole check, for a check run at this interval.</summary>
    public (TimeSpan Connect, TimeSpan Total) For(TimeSpan interval)
    {
        if (Check is not { } check)
        {
            return (interval, interval);
        }
        var connect = Connect < interval ? Connect : interval;
        return (connect, connect + check);
    }
}
