using Pgway.Health;
using Pgway.Model;
using Pgway.Pooling;
using Pgway.Routing;

namespace Pgway.Admin;

/// <summary>Builds the status document from snapshots taken at request time, so traffic pays nothing for it.</summary>
internal static class StatusReportBuilder
{
    /// <summary>The state of a member whose service checks nothing.</summary>
    public const string NoCheck = "no-check";

    private const double MicrosecondsPerMillisecond = 1_000;

    /// <summary>The state as the document spells it (see <see cref="StatusMember.State"/>).</summary>
    public static string StateName(MemberHealthState state) => state switch
    {
        MemberHealthState.Up => "up",
        MemberHealthState.GoingDown => "going-down",
        MemberHealthState.Down => "down",
        _ => "going-up",
    };

    public static StatusReport Build(
        DateTimeOffset now,
        IEnumerable<(Service Service, ServiceRouteSnapshot Route)> services,
        IEnumerable<PoolerMetrics> poolers,
        IReadOnlyList<StatusEvent> events)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(poolers);
        ArgumentNullException.ThrowIfNull(events);
        return new StatusReport(now,
            [.. services.Select(s => Service(now, s.Service, s.Route))],
            [.. poolers.Select(p => new StatusPooler(p.Instance, p.Clients, [.. p.Pools.Select(pool => Pool(now, pool))]))],
            events);
    }

    private static StatusService Service(DateTimeOffset now, Service service, ServiceRouteSnapshot route) =>
        new(service.FullName, service.Cluster, service.Bind, service.Port, service.Destination.ToString(), service.Balance.Name(),
            route.IsUp, route.Sessions, route.MaxSessions, route.SessionLimit, route.TotalSessions,
            route.Queue, route.MaxQueue, route.QueueLimit, route.Refused, route.LastChange, Seconds(now - route.LastChange),
            [.. route.Members.Select(m => Member(now, m))]);

    private static StatusMember Member(DateTimeOffset now, MemberRouteSnapshot member)
    {
        var health = member.Health;
        var check = health?.LastResult is { } result
            ? new StatusCheck(result.Status is CheckStatus.L4Ok or CheckStatus.L7Ok, result.Reason, result.Code, result.Detail,
                result.Duration.TotalMilliseconds, result.CompletedAt, Seconds(now - result.CompletedAt))
            : null;
        return new StatusMember(member.Name, member.Address, member.Port, member.IsBackup,
            health is null ? NoCheck : StateName(health.State), member.Status, member.IsUp,
            member.Weight, member.EffectiveWeight, member.Sessions, member.MaxSessions, member.SessionLimit, member.TotalSessions,
            member.ConnectFailures, member.LastChange, Seconds(now - member.LastChange), check);
    }

    private static StatusPool Pool(DateTimeOffset now, PoolSnapshot pool)
    {
        var stats = pool.Statistics;
        return new StatusPool(pool.Database, pool.User, pool.ClientsActive, pool.ClientsWaiting, pool.ServersActive, pool.ServersIdle,
            pool.PoolSize, pool.Paused, stats.TotalTransactionCount, stats.TotalQueryCount,
            Average(stats.TotalTransactionTime, stats.TotalTransactionCount), Average(stats.TotalQueryTime, stats.TotalQueryCount),
            stats.TotalWaitTime / MicrosecondsPerMillisecond,
            pool.OldestWaitSince is { } since ? Seconds(now - since) : 0,
            stats.TotalReceived, stats.TotalSent);
    }

    private static double Average(long totalMicroseconds, long count) =>
        count == 0 ? 0 : totalMicroseconds / MicrosecondsPerMillisecond / count;

    // A clock step backwards must not show a negative age.
    private static double Seconds(TimeSpan span) => Math.Max(0, span.TotalSeconds);
}
