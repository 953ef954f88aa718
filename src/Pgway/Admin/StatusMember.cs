namespace Pgway.Admin;

/// <summary>One member of a service in the status document: HAProxy's server row.</summary>
/// <param name="Name">The instance name, <c>&lt;cluster&gt;-&lt;seq&gt;</c>.</param>
/// <param name="Port">The port the service connects to on the member.</param>
/// <param name="Backup">Used only when no active member is up.</param>
/// <param name="State">
/// The health state: <c>up</c>, <c>going-down</c> (still up, last checks failed), <c>down</c>,
/// <c>going-up</c> (still down, last checks passed), or <c>no-check</c> (the service checks nothing: always up).
/// </param>
/// <param name="Status">HAProxy's notation: <c>UP</c>, <c>UP 1/3</c>, <c>DOWN</c>, <c>DOWN 1/2</c>, <c>no check</c>.</param>
/// <param name="Up">Whether the member takes new sessions.</param>
/// <param name="EffectiveWeight">The weight balancing uses now (lower while slowstart ramps).</param>
/// <param name="SessionLimit">The member's <c>maxconn</c> now; 0 = unlimited.</param>
/// <param name="ConnectFailures">Connections to the member that failed or timed out.</param>
/// <param name="LastChange">When the member's state last changed.</param>
/// <param name="SecondsInState">Seconds since <paramref name="LastChange"/>.</param>
/// <param name="Check">The last health check; null before the first or when the service checks nothing.</param>
/// <param name="RoleMismatch">
/// Why a healthy member takes no sessions: the instance answered its check, but its role does not fit the service
/// (<c>not primary</c>, <c>not replica</c>, <c>lagging</c>…); see <see cref="RoleFit"/>. Null when the member is up,
/// or down for a real failure (unreachable, an error, a timeout), which <paramref name="State"/> <c>down</c> then means.
/// </param>
/// <param name="CheckHistoryMs">The duration of its last check at each history sample, in milliseconds (null: no check yet).</param>
internal sealed record StatusMember(
    string Name,
    string Address,
    int Port,
    bool Backup,
    string State,
    string Status,
    bool Up,
    int Weight,
    int EffectiveWeight,
    int Sessions,
    int MaxSessions,
    int SessionLimit,
    long TotalSessions,
    long ConnectFailures,
    DateTimeOffset LastChange,
    double SecondsInState,
    StatusCheck? Check,
    string? RoleMismatch = null,
    IReadOnlyList<double?>? CheckHistoryMs = null);
