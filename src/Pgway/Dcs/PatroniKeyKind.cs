namespace Pgway.Dcs;

/// <summary>The keys of a Patroni scope the DCS watch reads.</summary>
internal enum PatroniKeyKind
{
    /// <summary>Any other key: <c>config</c>, <c>status</c>, <c>initialize</c>, <c>sync</c>, <c>failover</c>…</summary>
    Other,

    /// <summary><c>leader</c>: the leader member's name.</summary>
    Leader,

    /// <summary><c>members/&lt;name&gt;</c>: a member's state as JSON.</summary>
    Member,
}
