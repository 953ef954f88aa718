using Pgway.Agent;
using Pgway.Health;
using Pgway.Model;

namespace Pgway.Admin;

/// <summary>
/// Tells a member that is down because its role does not fit the service (a healthy replica failing the
/// primary service's <c>/primary</c>) from one that is down because it failed (unreachable, an error, a
/// timeout). HAProxy shows both as a red DOWN, and a reader takes the first for an outage.
/// </summary>
internal static class RoleFit
{
    /// <summary>
    /// The words for a role that does not fit (<c>not primary</c>, <c>not replica</c>, <c>lagging</c>…), or null when
    /// the member's last check is a real failure, or says nothing about the role.
    /// </summary>
    /// <param name="answeredElsewhere">
    /// Another check of the same instance passed. Over HTTP a 503 also comes from a Patroni whose PostgreSQL is stopped,
    /// so only a check that passed elsewhere proves the instance runs; pgway's own SQL check answers 503 only from a
    /// running instance (a stopped one is a connection failure).
    /// </param>
    public static string? Mismatch(HealthCheck check, CheckResult result, bool answeredElsewhere)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(result);
        if (result.Status != CheckStatus.L7Status || check.Kind == HealthCheckKind.None
            || (check.Kind != HealthCheckKind.Postgres && !answeredElsewhere))
        {
            return null;
        }
        var question = check.Path.Split('?', 2);
        var lag = question.Length > 1 && question[1].Contains("lag", StringComparison.Ordinal);
        return PatroniHealthRules.Route(check.Kind == HealthCheckKind.Postgres ? "OPTIONS" : check.Method, question[0]) switch
        {
            HealthEndpoint.Primary => "not primary",
            HealthEndpoint.Leader => "not leader",
            HealthEndpoint.StandbyLeader => "not standby leader",
            HealthEndpoint.Replica => lag ? "not replica or lagging" : "not replica",
            // Without a lag bound, /read-only fails only on a stopped instance: a real failure.
            HealthEndpoint.ReadOnly => lag ? "lagging" : null,
            HealthEndpoint.Sync or HealthEndpoint.ReadOnlySync => "not sync standby",
            HealthEndpoint.Quorum or HealthEndpoint.ReadOnlyQuorum => "not quorum standby",
            HealthEndpoint.Async => "not async standby",
            _ => null,
        };
    }
}
