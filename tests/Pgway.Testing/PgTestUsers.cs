namespace Pgway.Testing;

/// <summary>The users and database every test cluster has, named as in Pigsty's defaults.</summary>
public static class PgTestUsers
{
    /// <summary>The bootstrap superuser.</summary>
    public const string Postgres = "postgres";

    /// <summary>The streaming-replication user (REPLICATION).</summary>
    public const string Replicator = "replicator";

    /// <summary>The administrator (SUPERUSER).</summary>
    public const string Dba = "dbuser_dba";

    /// <summary>The monitoring user (member of pg_monitor).</summary>
    public const string Monitor = "dbuser_monitor";

    /// <summary>The business user, owner of <see cref="TestDatabase"/>.</summary>
    public const string Meta = "dbuser_meta";

    /// <summary>A plain read-only style user.</summary>
    public const string View = "dbuser_view";

    /// <summary>The database owned by <see cref="Meta"/>.</summary>
    public const string TestDatabase = "test";

    /// <summary>Every user, postgres first.</summary>
    public static IReadOnlyList<string> All { get; } = [Postgres, Replicator, Dba, Monitor, Meta, View];
}
