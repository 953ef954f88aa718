using Npgsql;

namespace Pgway.Testing;

// Connecting to instances over TCP on their own address, as pgway and its users will.
public sealed partial class PgTestCluster
{
    /// <summary>
    /// Settings for connecting to <paramref name="instance"/> as <paramref name="user"/> with its password.
    /// Pooling is off so a test never reuses a connection to a server it has since stopped; timeouts are short
    /// so a dead server fails a test quickly. Change the returned builder freely (a wrong password, say).
    /// </summary>
    public NpgsqlConnectionStringBuilder ConnectionStringBuilder(PgInstance instance, string user = PgTestUsers.Postgres, string database = DefaultDatabase)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new NpgsqlConnectionStringBuilder
        {
            Host = instance.Address.ToString(),
            Port = Port,
            Username = user,
            Password = Credentials.PasswordFor(user),
            Database = database,
            Pooling = false,
            Timeout = 5,
            CommandTimeout = 30,
            SslMode = SslMode.Disable,
            ApplicationName = "pgway-testing",
        };
    }

    /// <summary>The connection string of <see cref="ConnectionStringBuilder"/>.</summary>
    public string ConnectionString(PgInstance instance, string user = PgTestUsers.Postgres, string database = DefaultDatabase) =>
        ConnectionStringBuilder(instance, user, database).ConnectionString;

    /// <summary>Opens a new (unpooled) connection to <paramref name="instance"/>; the caller disposes it.</summary>
    public async Task<NpgsqlConnection> OpenConnectionAsync(
        PgInstance instance,
        string user = PgTestUsers.Postgres,
        string database = DefaultDatabase,
        CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(ConnectionString(instance, user, database));
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="sql"/> on a fresh connection and returns the first column of the first row (default for NULL or no row).</summary>
    public Task<T?> ExecuteScalarAsync<T>(
        PgInstance instance,
        string sql,
        string user = PgTestUsers.Postgres,
        string database = DefaultDatabase,
        CancellationToken cancellationToken = default) =>
        QueryScalarAsync<T>(instance, sql, [], cancellationToken, user, database);

    /// <summary>Runs <paramref name="sql"/> on a fresh connection and returns the number of rows affected.</summary>
    public async Task<int> ExecuteNonQueryAsync(
        PgInstance instance,
        string sql,
        string user = PgTestUsers.Postgres,
        string database = DefaultDatabase,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(instance, user, database, cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<T?> QueryScalarAsync<T>(
        PgInstance instance,
        string sql,
        IReadOnlyList<object> parameters,
        CancellationToken cancellationToken,
        string user = PgTestUsers.Postgres,
        string database = DefaultDatabase)
    {
        await using var connection = await OpenConnectionAsync(instance, user, database, cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is null or DBNull ? default : (T)result;
    }
}
