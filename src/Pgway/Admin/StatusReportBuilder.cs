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
        var list = services.ToList();
        var readings = poolers.ToList();
        // Instances some check reached and found fit: proof that they run, for RoleFit.
        var answering = list.SelectMany(s => s.Route.Members).Where(m => m.Health?.LastResult is { } r && Passed(r))
            .Select(m => m.Address).ToHashSet(StringComparer.Ordinal);
        return new StatusReport(now,
            [.. list.Select(s => Service(now, s.Service, s.Route, PoolerOf(readings, s.Service), answering))],
            [.. readings.Select(p => new StatusPooler(p.Instance, p.Clients, [.. p.Pools.Select(pool => Pool(now, pool))]))],
            events);
    }

    // A dest: pool service's pooler is read under the service's full name.
    private static PoolerMetrics? PoolerOf(List<PoolerMetrics> poolers, Service service) =>
        service.IsPool ? poolers.Find(p => p.IsService && p.Instance == service.FullName) : null;

    private static StatusService Service(DateTimeOffset now, Service service, ServiceRouteSnapshot route, PoolerMetrics? pooler, HashSet<string> answering)
    {
        var pooled = service.IsPool;
        var clients = pooled ? pooler?.Clients ?? 0 : route.Sessions;
        var waiting = pooled ? pooler?.Pools.Sum(p => p.ClientsWaiting) ?? 0 : route.Queue;
        long? transactions = pooled ? pooler?.Pools.Sum(p => p.Statistics.TotalTransactionCount) ?? 0 : null;
        return new(service.FullName, service.Cluster, service.Bind, service.Port, service.Destination.ToString(), service.Balance.Name(),
            route.IsUp, route.Sessions, route.MaxSessions, route.SessionLimit, route.TotalSessions,
            route.Queue, route.MaxQueue, route.QueueLimit, route.Refused, route.LastChange, Seconds(now - route.LastChange),
            [.. route.Members.Select(m => Member(now, service.Check, m, answering))],
            pooled, clients, route.Sessions, waiting, transactions);
    }

    private static StatusMember Member(DateTimeOffset now, HealthCheck serviceCheck, MemberRouteSnapshot member, HashSet<string> answering)
    {
        var health = member.Health;
        var result = health?.LastResult;
        var check = result is not null
            ? new StatusCheck(Passed(result), result.Reason, result.Code, result.Detail,
                result.Duration.TotalMilliseconds, result.CompletedAt, Seconds(now - result.CompletedAt))
            : null;
        // Only a member that is down, not fenced: a fenced one is in maintenance, whatever its role.
        var mismatch = result is not null && health is { State: MemberHealthState.Down, Fenced: false }
            ? RoleFit.Mismatch(serviceCheck, result, answering.Contains(member.Address))
            : null;
        return new StatusMember(member.Name, member.Address, member.Port, member.IsBackup,
            health is null ? NoCheck : StateName(health.State), member.Status, member.IsUp,
            member.Weight, member.EffectiveWeight, member.Sessions, member.MaxSessions, member.SessionLimit, member.TotalSessions,
            member.ConnectFailures, member.LastChange, Seconds(now - member.LastChange), check, mismatch);
    }

    private static bool Passed(CheckResult result) => result.Status is CheckStatus.L4Ok or CheckStatus.L7Ok;

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
