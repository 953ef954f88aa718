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
/// <param name="Sessions">
/// Connections the service holds to its members now (HAProxy's sessions): one per client on a spliced service,
/// the pooler's server connections on a <c>dest: pool</c> service, which may stay open with no client at all.
/// </param>
/// <param name="Pooled">A <c>dest: pool</c> service: its clients and its server connections are counted apart.</param>
/// <param name="Clients">Clients connected through the service now (on a spliced service, equal to its sessions).</param>
/// <param name="Servers">Server connections to its members now (on a spliced service, equal to its sessions).</param>
/// <param name="ClientsWaiting">
/// Clients waiting now: for a member's free slot (<paramref name="Queue"/>) on a spliced service, for a server
/// connection (PgBouncer's cl_waiting, summed over its pools) on a <c>dest: pool</c> service.
/// </param>
/// <param name="Transactions">Transactions pooled since start; null on a spliced service, whose bytes pgway does not read.</param>
/// <param name="History">The last minutes of these counts, sampled by the host; null where nothing samples them.</param>
internal sealed record StatusService(
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
    IReadOnlyList<StatusMember> Members,
    bool Pooled = false,
    int Clients = 0,
    int Servers = 0,
    int ClientsWaiting = 0,
    long? Transactions = null,
    StatusServiceHistory? History = null);
