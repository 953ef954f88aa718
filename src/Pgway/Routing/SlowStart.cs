namespace Pgway.Routing;

/// <summary>
/// HAProxy's <c>slowstart</c>: after a member comes back up (never at start-up), its weight and
/// <c>maxconn</c> ramp linearly from almost nothing to full over the slowstart period, so a
/// recovering server is not flooded at once.
/// </summary>
internal static class SlowStart
{
    /// <summary>The share of the member's capacity it may use now, from just above 0 to 1.</summary>
    /// <param name="upSince">When the member last came up; null when it has been up since start-up.</param>
    public static double Share(DateTimeOffset? upSince, DateTimeOffset now, TimeSpan slowStart)
    {
        if (upSince is not { } since || slowStart <= TimeSpan.Zero)
        {
            return 1;
        }
        var elapsed = now - since;
        if (elapsed >= slowStart)
        {
            return 1;
        }
        return Math.Max(elapsed / slowStart, 0);
    }

    /// <summary>A weight scaled by the share: at least 1 while the member is up, so it is never starved.</summary>
    public static int Weight(int weight, double share) =>
        weight == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(weight * share));

    /// <summary>A connection limit scaled by the share: at least 1; 0 (unlimited) stays unlimited.</summary>
    public static int MaxConn(int maxConn, double share) =>
        maxConn == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(maxConn * share));
}
