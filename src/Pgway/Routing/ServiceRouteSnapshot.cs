using System.Collections.Immutable;

namespace Pgway.Routing;

/// <summary>
/// One service at one moment, as the stats page and metrics show it: HAProxy's backend row
/// (sessions, queue, bytes, refusals, last change) and a row per member.
/// </summary>
/// <param name="IsUp">Whether any member (or backup) is up, so new clients can be served.</param>
/// <param name="SessionLimit">The service's own <c>maxconn</c>; 0 = unlimited.</param>
/// <param name="QueueLimit">How many clients may wait now (<c>maxqueue</c> per member that is up); 0 = unlimited.</param>
/// <param name="Redispatches">Connections moved to another member after one refused or timed out.</param>
/// <param name="RefusedNoServer">Clients answered "no member up" (or every member refused).</param>
/// <param name="RefusedQueueFull">Clients answered "full" because the queue was full.</param>
/// <param name="RefusedQueueTimeout">Clients answered "full" after waiting <c>timeout queue</c>.</param>
/// <param name="LastChange">When the service last went from up to down or back (its start otherwise).</param>
internal sealed record ServiceRouteSnapshot(
    string Service,
    bool IsUp,
    int Sessions,
    int MaxSessions,
    int SessionLimit,
    long TotalSessions,
    int Queue,
    int MaxQueue,
    int QueueLimit,
    long Redispatches,
    long RefusedNoServer,
    long RefusedQueueFull,
    long RefusedQueueTimeout,
    DateTimeOffset LastChange,
    ImmutableArray<MemberRouteSnapshot> Members)
{
    public long BytesFromClients => Members.Sum(m => m.BytesFromClients);

    public long BytesToClients => Members.Sum(m => m.BytesToClients);

    public long ConnectFailures => Members.Sum(m => m.ConnectFailures);

    /// <summary>Clients refused for any reason (HAProxy counts these as denied or failed requests).</summary>
    public long Refused => RefusedNoServer + RefusedQueueFull + RefusedQueueTimeout;
}
