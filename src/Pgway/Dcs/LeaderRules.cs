using Pgway.Agent;
using Pgway.Model;

namespace Pgway.Dcs;

/// <summary>
/// What Patroni's leader key says about a member's health, before its checks can tell. Only services
/// whose check asks "is this the leader?" follow the key: a member that is not the leader is down in
/// them, the leader is up, and with no leader at all (a switchover under way) every member is down.
/// Replica services are left to their checks: a demoted leader becomes a replica only once it says so.
/// </summary>
internal static class LeaderRules
{
    /// <summary>
    /// Whether <paramref name="check"/> passes exactly on the leader: Patroni's <c>/primary</c>, <c>/master</c>,
    /// <c>/read-write</c>, <c>/</c> or <c>/leader</c> (over HTTP, or pgway's SQL check) expecting success.
    /// </summary>
    public static bool IsPrimaryCheck(HealthCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (check.Kind == HealthCheckKind.None || check.ExpectedStatus is not (0 or 200))
        {
            return false;
        }
        var path = check.Path.Split('?', 2)[0];
        var endpoint = PatroniHealthRules.Route(check.Kind == HealthCheckKind.Http ? check.Method : "OPTIONS", path.Length == 0 ? "/" : path);
        return endpoint is HealthEndpoint.Primary or HealthEndpoint.Leader;
    }

    /// <summary>
    /// Whether <paramref name="member"/> of a service checked by <paramref name="check"/> is up (true) or down
    /// (false) while <paramref name="leader"/> leads (null: no leader); null when the key says nothing about it.
    /// </summary>
    public static bool? Decide(HealthCheck check, string member, string? leader) =>
        IsPrimaryCheck(check) ? leader is not null && string.Equals(member, leader, StringComparison.Ordinal) : null;
}
