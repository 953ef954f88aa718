namespace Pgway.Admin;

/// <summary>One service in the status document: HAProxy's backend row and its members.</summary>
/// <param name="Name">The full name, <c>&lt;cluster&gt;-&lt;name&gt;</c>.</param>
/// <param name="Bind">The listening address: <c>*</c> or an IP.</param>
/// <param name="Destination">Where on each member it connects: <c>postgres</c>, <c>pgbouncer</c>, a port number.</param>
/// <param name="Up">Whether any member (or backup) takes new sessions.</param>
/// <param name="SessionLimit">The service's <c>maxconn</c>; 0 = unlimited.</param>
/// <param name="Queue">Clients waiting for a member's free slot now.</param>
/// <param name="QueueLimit">How many clients may wait now; 0 = unlimited.</param>
/// <param name="Refused">Clients turned away (no member up, queue full or timed out).</param>
/// <param name="LastChange">When the service last went from up to down or back (its start otherwise).</param>
/// <param name="SecondsInState">Seconds since <paramref name="LastChange"/>.</param>
public sealed record StatusService(
    string Name,
    string Cluster,
    string Bind,
    int Port,
    string Destination,
    string Balance,
    bool Up,
    int Sessions,
    int MaxSessions,
    int SessionLimit,
    long TotalSessions,
    int Queue,
    int MaxQueue,
    int QueueLimit,
    long Refused,
    DateTimeOffset LastChange,
    double SecondsInState,
    IReadOnlyList<StatusMember> Members);
