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

    /// <summary>The bound of each step: a server start, a clone, the streaming and entry-point waits.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
