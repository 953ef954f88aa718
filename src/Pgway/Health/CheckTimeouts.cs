namespace Pgway.Health;

/// <summary>
/// HAProxy's timeouts for a check: with <c>timeout check</c> set, connecting may take
/// <c>min(timeout connect, inter)</c> and the answer <c>timeout check</c> once the request is sent;
/// without it, the interval bounds the whole check. Pigsty sets both to 3 s.
/// </summary>
internal sealed record CheckTimeouts(TimeSpan Connect, TimeSpan? Check)
{
    public static readonly CheckTimeouts Pigsty = new(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3));

    /// <summary>The deadlines of a check run at this interval.</summary>
    public CheckDeadlines For(TimeSpan interval)
    {
        if (Check is not { } check)
        {
            return new CheckDeadlines(interval, interval, interval);
        }
        var connect = Connect < interval ? Connect : interval;
        return new CheckDeadlines(connect, check, connect + check);
    }
}
