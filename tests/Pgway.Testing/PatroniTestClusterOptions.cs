namespace Pgway.Testing;

/// <summary>
/// How to build a <see cref="PatroniTestCluster"/>. The defaults give a 2-node pg-test in namespace
/// <c>/service</c> with <c>ttl</c> 20, <c>loop_wait</c> 2 and <c>retry_timeout</c> 5.
/// </summary>
internal sealed record PatroniTestClusterOptions
{
    /// <summary>Pigsty's <c>pg_cluster</c>, used as Patroni's <c>scope</c>; nodes are named <c>&lt;cluster&gt;-&lt;seq&gt;</c>.</summary>
    public string ClusterName { get; init; } = "pg-test";

    /// <summary>Patroni's <c>namespace</c>, the DCS key prefix: its default <c>/service</c>; Pigsty uses <c>/pg</c>.</summary>
    public string Namespace { get; init; } = "/service";

    /// <summary>One entry per node in seq order. Node 1 bootstraps the cluster and so must not be tagged <c>nofailover</c>.</summary>
    public IReadOnlyList<PatroniNodeOptions> Nodes { get; init; } = [new(), new()];

    /// <summary><c>bootstrap.dcs.ttl</c> in seconds: how long the leader lock outlives a dead leader.</summary>
    public int Ttl { get; init; } = 20;

    /// <summary><c>bootstrap.dcs.loop_wait</c> in seconds: the pause between Patroni's HA cycles.</summary>
    public int LoopWait { get; init; } = 2;

    /// <summary><c>bootstrap.dcs.retry_timeout</c> in seconds: how long DCS and PostgreSQL errors are retried before demotion.</summary>
    public int RetryTimeout { get; init; } = 5;

    /// <summary><c>bootstrap.dcs.synchronous_mode</c>: one replica becomes a synchronous standby.</summary>
    public bool SynchronousMode { get; init; }

    /// <summary><c>bootstrap.dcs.postgresql.use_pg_rewind</c>: a failed leader rejoins by pg_rewind instead of needing a new clone.</summary>
    public bool UsePgRewind { get; init; } = true;

    /// <summary>The PostgreSQL bin directory; null finds it as <see cref="PgBinaries.Locate"/> does.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>The limit for each step: etcd's start, the bootstrap, each node joining, a leader change.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Three nodes: a leader and two replicas.</summary>
    public static PatroniTestClusterOptions ThreeNodes { get; } = new() { Nodes = [new(), new(), new()] };

    internal void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(ClusterName) || !ClusterName.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
        {
            errors.Add($"Cluster name '{ClusterName}' must be lowercase letters, digits, '-' or '_' (it goes into configuration files and YAML unquoted).");
        }

        if (string.IsNullOrEmpty(Namespace) || Namespace[0] != '/' || Namespace.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\'))
        {
            errors.Add($"{nameof(Namespace)} '{Namespace}' must start with '/' and hold no spaces, quotes or backslashes.");
        }

        if (Nodes.Count is < 1 or > 20)
        {
            errors.Add($"{nameof(Nodes)} must hold 1 to 20 nodes, not {Nodes.Count}.");
        }
        else if (Nodes[0].Tags.TryGetValue("nofailover", out var noFailover) && noFailover is true)
        {
            errors.Add("Node 1 bootstraps the cluster, which Patroni refuses to do for a node tagged nofailover: tag another node.");
        }

        foreach (var (tags, seq) in Nodes.Select((node, index) => (node.Tags, index + 1)))
        {
            errors.AddRange(tags
                .Where(tag => tag.Value is not (bool or int or string) || tag.Key.Length == 0)
                .Select(tag => $"Tag '{tag.Key}' of node {seq} must have a non-empty name and a bool, int or string value, not {tag.Value?.GetType().Name ?? "null"}."));
        }

        if (LoopWait < 1 || RetryTimeout < 1 || Ttl < LoopWait + (2 * RetryTimeout))
        {
            errors.Add($"Patroni needs loop_wait >= 1, retry_timeout >= 1 and ttl >= loop_wait + 2 * retry_timeout; got ttl {Ttl}, loop_wait {LoopWait}, retry_timeout {RetryTimeout}.");
        }

        if (OperationTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(OperationTimeout)} must be positive.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("\n", errors));
        }
    }
}
