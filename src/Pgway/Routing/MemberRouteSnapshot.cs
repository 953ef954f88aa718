using Pgway.Health;

namespace Pgway.Routing;

/// <summary>
/// One member of a service at one moment, as the stats page and metrics show it: HAProxy's server
/// row (status, weight, sessions, bytes, errors, last change), read without stopping the traffic.
/// </summary>
/// <param name="Health">The member's health; null when the service has no check (always up).</param>
/// <param name="EffectiveWeight">The weight balancing uses now: lower than <paramref name="Weight"/> while slowstart ramps.</param>
/// <param name="SessionLimit">The member's <c>maxconn</c> now (slowstart scales it); 0 = unlimited.</param>
/// <param name="ConnectFailures">Connections to the member that failed or timed out (HAProxy's <c>econ</c>).</param>
/// <param name="SessionsShutdown">Sessions pgway closed because the member went down (or a backup, because an active member came back).</param>
/// <param name="LastChange">When the member's state last changed.</param>
internal sealed record MemberRouteSnapshot(
    string Name,
    string Address,
    int Port,
    bool IsBackup,
    bool IsUp,
    MemberHealthSnapshot? Health,
    int Weight,
    int EffectiveWeight,
    int Sessions,
    int MaxSessions,
    int SessionLimit,
    long TotalSessions,
    long ConnectFailures,
    long SessionsShutdown,
    long BytesFromClients,
    long BytesToClients,
    DateTimeOffset LastChange)
{
    /// <summary>HAProxy's status notation ("UP", "DOWN 1/3", …); "no check" when the service checks nothing.</summary>
    public string Status => Health?.Status ?? "no check";
}
