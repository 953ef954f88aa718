using Pgway.Health;

namespace Pgway.Admin;

/// <summary>
/// The latest events for the stats page: a ring of fixed capacity, fed by the health monitor's
/// <see cref="HealthMonitor.StateChanged"/>; once full, each new event replaces the oldest.
/// </summary>
internal sealed class StatusEventLog
{
    public const int DefaultCapacity = 100;

    private readonly Lock gate = new();
    private readonly StatusEvent[] ring;
    private long added;

    public StatusEventLog(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ring = new StatusEvent[capacity];
    }

    public int Capacity => ring.Length;

    /// <summary>Records a member's change of state, in HAProxy's words.</summary>
    public void Add(HealthEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (gate)
        {
            var id = ++added;
            ring[(id - 1) % ring.Length] = new StatusEvent(id, change.Time, change.Service, change.Member,
                StatusReportBuilder.StateName(change.From), StatusReportBuilder.StateName(change.To), change.ToString());
        }
    }

    /// <summary>Records an event that is no member's change of state (a switchover's start and end, a fence cleared).</summary>
    public void Add(DateTimeOffset time, string subject, string message)
    {
        lock (gate)
        {
            var id = ++added;
            ring[(id - 1) % ring.Length] = new StatusEvent(id, time, subject, "", "", "", message);
        }
    }

    /// <summary>The events kept, oldest first.</summary>
    public IReadOnlyList<StatusEvent> Latest()
    {
        lock (gate)
        {
            var kept = (int)Math.Min(added, ring.Length);
            var latest = new StatusEvent[kept];
            for (var i = 0; i < kept; i++)
            {
                latest[i] = ring[(added - kept + i) % ring.Length];
            }
            return latest;
        }
    }
}
