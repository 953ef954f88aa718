namespace Pgway.Testing;

/// <summary>
/// What one Patroni node's configuration is made of, whoever runs it: the loopback <see cref="PatroniTestCluster"/>
/// or the multi-host lab (<see cref="Network.MultiHostCluster"/>). <see cref="PatroniTestCluster.BuildConfig"/> turns it into patroni.yml.
/// </summary>
internal sealed record PatroniConfigSpec
{
    /// <summary>Patroni's <c>scope</c> (the cluster name).</summary>
    public required string Scope { get; init; }

    /// <summary>Patroni's <c>namespace</c>, e.g. <c>/pg</c>.</summary>
    public required string Namespace { get; init; }

    /// <summary>The member name, <c>&lt;cluster&gt;-&lt;seq&gt;</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The address others reach postgres and the REST API on.</summary>
    public required string ConnectAddress { get; init; }

    /// <summary>Where postgres listens: the connect address, or <c>0.0.0.0</c> to answer on a VIP too, as Pigsty's <c>pg_listen</c>.</summary>
    public required string ListenAddress { get; init; }

    /// <summary>etcd's client endpoints, <c>address:2379</c>.</summary>
    public required IReadOnlyList<string> EtcdHosts { get; init; }

    /// <summary>
    /// <c>etcd3.use_proxies</c>: Patroni talks to <see cref="EtcdHosts"/> only, rather than to every member it
    /// discovers from the cluster's member list.
    /// </summary>
    public bool EtcdHostsOnly { get; init; }

    /// <summary>The DCS timings and modes bootstrapped into the cluster.</summary>
    public required int Ttl { get; init; }

    /// <inheritdoc cref="Ttl"/>
    public required int LoopWait { get; init; }

    /// <inheritdoc cref="Ttl"/>
    public required int RetryTimeout { get; init; }

    /// <inheritdoc cref="Ttl"/>
    public bool SynchronousMode { get; init; }

    /// <inheritdoc cref="Ttl"/>
    public bool UsePgRewind { get; init; } = true;

    /// <summary>PostgreSQL's binaries (<c>postgresql.bin_dir</c>).</summary>
    public required string BinDirectory { get; init; }

    /// <summary>Everything of the node; its pgpass goes here.</summary>
    public required string Directory { get; init; }

    /// <summary>PGDATA.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>postgres's <c>unix_socket_directories</c>, where Patroni connects.</summary>
    public required string SocketDirectory { get; init; }

    /// <summary>The file postgres's logging collector writes.</summary>
    public required string LogPath { get; init; }

    /// <summary>The superuser's and replicator's passwords.</summary>
    public required PgTestCredentials Credentials { get; init; }

    /// <summary>pg_hba lines, in order.</summary>
    public required IReadOnlyList<string> HbaRules { get; init; }

    /// <summary>Patroni's tags (bool, int or string values).</summary>
    public IReadOnlyDictionary<string, object> Tags { get; init; } = new Dictionary<string, object>();
}
