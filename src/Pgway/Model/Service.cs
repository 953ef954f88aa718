using System.Collections.Immutable;

namespace Pgway.Model;

/// <summary>
/// A stable entry point of a cluster: a port that always reaches the right members.
/// Both of Pigsty's schemas normalise to this one shape.
/// </summary>
/// <param name="Bind">The listening address: <c>*</c>, or an IP (a <c>vip</c> is resolved already).</param>
/// <param name="MaxConn">Service-wide connection limit (HAProxy's listen <c>maxconn</c>).</param>
internal sealed record Service(
    string Cluster,
    string Name,
    string Bind,
    int Port,
    PortReference Destination,
    HealthCheck Check,
    string Selector,
    string? BackupSelector,
    int MaxConn,
    BalanceAlgorithm Balance,
    ServerOptions Options,
    ImmutableArray<ServiceMember> Members,
    ServiceSchema Schema,
    SourceLocation Location)
{
    public const string AnyAddress = "*";

    /// <summary>
    /// HAProxy's <c>option allbackups</c> (a pgway key, <c>allbackups: true</c>): when no active
    /// member is up, balance over every backup that is up instead of sending all to the first.
    /// </summary>
    public bool AllBackups { get; init; }

    /// <summary>Pigsty's service name, <c>&lt;cluster&gt;-&lt;name&gt;</c>.</summary>
    public string FullName => $"{Cluster}-{Name}";

    /// <summary><c>dest: pool</c>: pgway pools to the members' postgres itself rather than splicing bytes.</summary>
    public bool IsPool => Destination.Name == PortReference.Pool;

    public IEnumerable<ServiceMember> ActiveMembers => Members.Where(m => !m.IsBackup);

    public IEnumerable<ServiceMember> BackupMembers => Members.Where(m => m.IsBackup);
}
