namespace Pgway.Health;

/// <summary>Settings of the health monitor as a whole; per-service timing comes from each service's server options.</summary>
/// <param name="Timeouts">HAProxy's <c>timeout connect</c> and <c>timeout check</c>.</param>
/// <param name="RecentEventCapacity">How many state changes the monitor remembers for the stats page.</param>
internal sealed record HealthMonitorOptions(CheckTimeouts Timeouts, int RecentEventCapacity = 200)
{
    public static readonly HealthMonitorOptions Default = new(CheckTimeouts.Pigsty);
}
