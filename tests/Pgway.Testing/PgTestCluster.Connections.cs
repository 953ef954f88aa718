using Npgsql;

namespace Pgway.Testing;

// Connecting to instances over TCP on their own address, as pgway and its users will.
internal sealed partial class PgTestCluster
{
    /// <summary>
    /// Settings for connecting to <paramref name="instance"/> as <paramref name="user"/> with its password.
    /// Pooling is off so a test never reuses a connection to a server it has since stopped; timeouts are short
    /// so a dead server fails a test quickly. Change the returned builder freely (a wrong password, say).
    /// </summary>
    public NpgsqlConnectionStringBuilder ConnectionStringBuilder(PgInstance instance, string user = PgTestUsers.Postgres, string database = DefaultDatabase)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return PgConnections.Builder(instance.Address, Port, Credentials, user, database);
    }

    /// <summary>The connection string of <see cref="ConnectionStringBuilder"/>.</summary>
    public string ConnectionString(PgInstance instance, string user = PgTestUsers.Postgres, string database = DefaultDatabase) =>
        ConnectionStringBuilder(instance, user, database).ConnectionString;

    /// <summary>Opens a new (unpooled) connection to <paramref name="instance"/>; the caller disposes it.</summary>
    public Task<NpgsqlConnection> OpenConnectionAsync(
        PgInstance instance,
        string user = PgTestUsers.Postgres,
        string database = DefaultDatabase,
        CancellationToken cancellationToken = default) =>
        PgConnections.OpenAsync(ConnectionString(instance, user, database), cancellationToken);

    /// <summary>Runs <paramref name="sql"/> on a fresh connection and returns the first column of the first row (default for NULL or no row).</summary>
    public Task<T?> ExecuteScalarAsync<T>(
        PgInstance instance,
        string sql,
        string user = PgTestUsers.Postgres,
        string database = DefaultDatabase,
        CancellationToken cancellationToken = default) =>
        PgConnections.ScalarAsync<T>(ConnectionString(instance, user, database), sql, [], cancellationToken);

    /// <summary>Runs <paramref name="sql"/> on a fresh connection and returns the number of rows affected.</summary>
    public Task<int> ExecuteNonQueryAsync(
        PgInstance instance,
        string sql,
        string user = PgTestUsers.Postgres,
        string database = DefaultDatabase,
        CancellationToken cancellationToken = default) =>
        PgConnections.NonQueryAsync(ConnectionString(instance, user, database), sql, cancellationToken);

    private Task<T?> QueryScalarAsync<T>(PgInstance instance, string sql, IReadOnlyList<object> parameters, CancellationToken cancellationToken) =>
        PgConnections.ScalarAsync<T>(ConnectionString(instance), sql, parameters, cancellationToken);
}
