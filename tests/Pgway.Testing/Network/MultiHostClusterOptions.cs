namespace Pgway.Testing.Network;

/// <summary>How to build a <see cref="MultiHostCluster"/>.</summary>
internal sealed record MultiHostClusterOptions
{
    /// <summary>Database hosts: host 1 runs the primary, the others streaming replicas of it.</summary>
    public int HostCount { get; init; } = 3;

    /// <summary>
    /// The command line that runs <c>pgway serve</c> (e.g. <c>dotnet path/pgway.dll serve</c>); the cluster appends
    /// <c>-c &lt;inventory&gt; --node &lt;address&gt; --runtime-dir &lt;dir&gt;</c> and runs it in each host's
    /// namespace. Null: no pgway (PostgreSQL only).
    /// </summary>
    public IReadOnlyList<string>? ServeCommand { get; init; }

    /// <summary>
    /// etcd members, one on each of the first hosts (3: a raft cluster across the bridge, as Pigsty's
    /// <c>etcd</c> group; 1: a single member on host 1; 0: none). They run in the hosts' namespaces,
    /// client port 2379, peer port 2380.
    /// </summary>
    public int EtcdMembers { get; init; } = 3;

    /// <summary>
    /// Patroni manages PostgreSQL: one Patroni per host (scope <c>pg-test</c>, namespace <c>/pg</c> as Pigsty, the
    /// lab's etcd as its etcd3 DCS, the REST API on the host's address), host 1 bootstraps, the others are cloned
    /// by Patroni; the inventory gets <c>pg_dcs</c> and each pgway runs with <c>--no-agent</c>. Needs etcd.
    /// False: plain streaming replication as the harness sets it up itself.
    /// </summary>
    public bool Patroni { get; init; }

    /// <summary>Patroni's <c>ttl</c>: small, so a failover is seconds, not Pigsty's 30.</summary>
    public int PatroniTtl { get; init; } = 12;

    /// <summary>Patroni's <c>loop_wait</c>.</summary>
    public int PatroniLoopWait { get; init; } = 1;

    /// <summary>Patroni's <c>retry_timeout</c> (Patroni wants <c>loop_wait + 2 × retry_timeout ≤ ttl</c>).</summary>
    public int PatroniRetryTimeout { get; init; } = 5;

    /// <summary>More cluster vars for the inventory (e.g. the VIP's), each value written verbatim.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> InventoryVars { get; init; } = [];

    /// <summary>The bound of each step: a server start, a clone, the streaming and entry-point waits.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
