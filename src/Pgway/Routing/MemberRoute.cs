using System.Collections.Concurrent;
using Pgway.Health;
using Pgway.Model;
using Pgway.Transport;

namespace Pgway.Routing;

/// <summary>
/// A member's live routing state: its sessions against its limit, its counters, and when it last
/// came back up (for slowstart). The health monitor says whether it is up; this says how busy it is.
/// </summary>
internal sealed class MemberRoute
{
    private int sessions;
    private int maxSessions;
    private long totalSessions;
    private long connectFailures;
    private long sessionsShutdown;
    private long upSinceTicks = long.MinValue;
    private long nextSessionId;
    private readonly ConcurrentDictionary<long, CancellationTokenSource> open = new();

    internal MemberRoute(int index, ServiceMember member, MemberHealth? health)
    {
        Index = index;
        Member = member;
        Health = health;
    }

    /// <summary>The member's place in its service's <see cref="ServiceRoute.Members"/>.</summary>
    public int Index { get; private set; }

    /// <summary>The member as last loaded: a reload may change its weight, backup flag or check port.</summary>
    public ServiceMember Member { get; private set; }

    /// <summary>The member's health; null when its service has no check (always up).</summary>
    public MemberHealth? Health { get; private set; }

    public bool IsUp => Health?.Snapshot.IsUp ?? true;

    /// <summary>Up with no failed check since (not "UP 1/3"): what a <c>dest: pool</c> service asks before a new transaction.</summary>
    public bool IsFullyUp => Health is not { } health || health.Snapshot.State == MemberHealthState.Up;

    public int Sessions => Volatile.Read(ref sessions);

    /// <summary>The most sessions the member has had at once.</summary>
    public int MaxSessions => Volatile.Read(ref maxSessions);

    public long TotalSessions => Interlocked.Read(ref totalSessions);

    /// <summary>Sessions ended by <see cref="ShutdownSessions"/>.</summary>
    public long SessionsShutdown => Interlocked.Read(ref sessionsShutdown);

    public long ConnectFailures => Interlocked.Read(ref connectFailures);

    /// <summary>Bytes moved through the member's sessions, both ways.</summary>
    public SpliceCounters Traffic { get; } = new();

    /// <summary>When the member last came back up after being down; null when up since start-up.</summary>
    public DateTimeOffset? UpSince
    {
        get
        {
            var ticks = Interlocked.Read(ref upSinceTicks);
            return ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Keeps this member's sessions and counters across a reload that kept the member (same instance,
    /// address and port), taking its new place, settings and health. Under the route's gate.
    /// </summary>
    internal MemberRoute Follow(int index, ServiceMember member, MemberHealth? health)
    {
        Index = index;
        Member = member;
        Health = health;
        return this;
    }

    internal void MarkedUp(DateTimeOffset at) => Interlocked.Exchange(ref upSinceTicks, at.UtcTicks);

    internal void SessionStarted()
    {
        var now = Interlocked.Increment(ref sessions);
        Interlocked.Increment(ref totalSessions);
        Peak.Raise(ref maxSessions, now);
    }

    internal void SessionEnded() => Interlocked.Decrement(ref sessions);

    internal void ConnectFailed() => Interlocked.Increment(ref connectFailures);

    /// <summary>Tracks an established session so that <see cref="ShutdownSessions"/> can end it.</summary>
    internal long Track(CancellationTokenSource session)
    {
        var id = Interlocked.Increment(ref nextSessionId);
        open[id] = session;
        return id;
    }

    internal void Untrack(long id) => open.TryRemove(id, out _);

    /// <summary>Ends every established session at once (HAProxy's <c>shutdown-sessions</c>).</summary>
    internal int ShutdownSessions()
    {
        var ended = 0;
        foreach (var (id, session) in open)
        {
            if (open.TryRemove(id, out _))
            {
                try
                {
                    session.Cancel();
                    ended++;
                    Interlocked.Increment(ref sessionsShutdown);
                }
                catch (ObjectDisposedException)
                {
                    // The session ended on its own meanwhile.
                }
            }
        }
        return ended;
    }
}
