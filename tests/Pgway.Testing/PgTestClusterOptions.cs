using System.Net;

namespace Pgway.Testing;

/// <summary>How to build a <see cref="PgTestCluster"/>. The defaults give Pigsty's pg-test: primary, replica, offline.</summary>
internal sealed record PgTestClusterOptions
{
    /// <summary>Pigsty's <c>pg_cluster</c>; instances are named <c>&lt;cluster&gt;-&lt;seq&gt;</c>.</summary>
    public string ClusterName { get; init; } = "pg-test";

    /// <summary>One role per instance in seq order; the first must be the only primary.</summary>
    public IReadOnlyList<PgInstanceRole> Roles { get; init; } = [PgInstanceRole.Primary, PgInstanceRole.Replica, PgInstanceRole.Offline];

    /// <summary>
    /// Fixed addresses: instance seq N listens on this address plus N-1. Null (the default) allocates a free
    /// 127.77.k.11+ block, which is what tests running in parallel want.
    /// </summary>
    public IPAddress? BaseAddress { get; init; }

    /// <summary>The PostgreSQL bin directory; null finds it (PGWAY_PG_BIN, /usr/lib/postgresql/N/bin, pg_config).</summary>
    public string? BinDirectory { get; init; }

    /// <summary>The limit for each step: a start, a stop, a promotion, a catch-up.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A primary and one replica: enough for tests that promote, kill or restart.</summary>
    public static PgTestClusterOptions PrimaryAndReplica { get; } = new() { Roles = [PgInstanceRole.Primary, PgInstanceRole.Replica] };

    internal void Validate()
    {
        if (string.IsNullOrEmpty(ClusterName) || !ClusterName.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"Cluster name '{ClusterName}' must be lowercase letters, digits, '-' or '_' (it goes into configuration files and YAML unquoted).");
        }

        if (Roles.Count == 0 || Roles[0] != PgInstanceRole.Primary || Roles.Skip(1).Any(role => role == PgInstanceRole.Primary))
        {
            throw new ArgumentException($"Roles must start with the only {PgInstanceRole.Primary}; got [{string.Join(", ", Roles)}].");
        }

        if (OperationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(OperationTimeout)} must be positive.");
        }
    }
}
