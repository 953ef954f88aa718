using System.Globalization;
using System.Text;
using Npgsql;

namespace Pgway.Testing;

/// <summary>The users and database every test cluster has, named as in Pigsty's defaults.</summary>
internal static class PgTestUsers
{
    /// <summary>The bootstrap superuser.</summary>
    public const string Postgres = "postgres";

    /// <summary>
    /// A role name pg_hba.conf logs in with MD5 over TCP; not created by the harness (a test creates it,
    /// with its password stored as an MD5 hash).
    /// </summary>
    public const string Md5Login = "md5_login";

    /// <summary>A role name pg_hba.conf logs in with a cleartext password over TCP; not created by the harness.</summary>
    public const string CleartextLogin = "cleartext_login";

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

    /// <summary>
    /// Creates every user but postgres (and but the replicator when <paramref name="replicatorExists"/>, as
    /// Patroni makes it itself) with its password, and <see cref="TestDatabase"/>, over
    /// <paramref name="connection"/>, a superuser's connection to the primary.
    /// </summary>
    internal static async Task CreateAsync(NpgsqlConnection connection, PgTestCredentials credentials, bool replicatorExists, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder();
        void AppendRole(string user, string attributes) =>
            sql.Append(CultureInfo.InvariantCulture, $"CREATE ROLE {user} {attributes} PASSWORD '{credentials.PasswordFor(user)}';");

        if (!replicatorExists)
        {
            AppendRole(Replicator, "LOGIN REPLICATION");
        }

        AppendRole(Dba, "LOGIN SUPERUSER");
        AppendRole(Monitor, "LOGIN");
        AppendRole(Meta, "LOGIN");
        AppendRole(View, "LOGIN");
        sql.Append(CultureInfo.InvariantCulture, $"GRANT pg_monitor TO {Monitor}, {Replicator};");
        await using (var roles = new NpgsqlCommand(sql.ToString(), connection))
        {
            await roles.ExecuteNonQueryAsync(cancellationToken);
        }

        // CREATE DATABASE refuses to run inside the implicit transaction of a multi-statement batch.
        await using var database = new NpgsqlCommand($"CREATE DATABASE {TestDatabase} OWNER {Meta}", connection);
        await database.ExecuteNonQueryAsync(cancellationToken);
    }
}
