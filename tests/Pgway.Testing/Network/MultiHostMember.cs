namespace Pgway.Testing.Network;

/// <summary>One database host of a <see cref="MultiHostCluster"/>: its PostgreSQL instance and files.</summary>
/// <param name="Seq">Pigsty's <c>pg_seq</c> (1 is the primary).</param>
/// <param name="Host">The network host the instance (and its pgway) runs in.</param>
/// <param name="Role">The instance's role.</param>
/// <param name="Directory">Everything of the member: <c>data/</c>, <c>socket/</c>, logs and PID files.</param>
internal sealed record MultiHostMember(int Seq, NetworkHost Host, PgInstanceRole Role, string Directory)
{
    /// <summary>Pigsty's instance name.</summary>
    public string Name => $"{MultiHostCluster.ClusterName}-{Seq}";

    /// <summary>PostgreSQL's data directory.</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>PostgreSQL's UNIX socket directory: the harness's way in from the root namespace (sockets on a path are not network-namespaced).</summary>
    public string SocketDirectory => Path.Combine(Directory, "socket");

    /// <summary>PostgreSQL's stderr.</summary>
    public string PostgresLogPath => Path.Combine(Directory, "postgres.log");

    /// <summary>The member's pgway serve output.</summary>
    public string PgwayLogPath => Path.Combine(Directory, "pgway.log");

    /// <summary>The member's pgway runtime directory (its admin token).</summary>
    public string RuntimeDirectory => Path.Combine(Directory, "run");

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Role}) on {Host}";
}
