using System.Net;
using Npgsql;
using NpgsqlTypes;

namespace Pgway.Testing;

/// <summary>
/// Connecting to a test server over TCP on its own address, as pgway and its users will, shared by
/// <see cref="PgTestCluster"/> and <see cref="PatroniTestCluster"/>.
/// </summary>
internal static class PgConnections
{
    /// <summary>
    /// Pooling is off so a test never reuses a connection to a server it has since stopped; timeouts are
    /// short so a dead server fails a test quickly.
    /// </summary>
    public static NpgsqlConnectionStringBuilder Builder(IPAddress address, int port, PgTestCredentials credentials, string user, string database) =>
        new()
        {
            Host = address.ToString(),
            Port = port,
            Username = user,
            Password = credentials.PasswordFor(user),
            Database = database,
            Pooling = false,
            Timeout = 15,
            CommandTimeout = 30,
            SslMode = SslMode.Disable,
            ApplicationName = "pgway-testing",
        };

    public static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
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
    public static async Task<T?> ScalarAsync<T>(string connectionString, string sql, IReadOnlyList<object> parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is null or DBNull ? default : (T)result;
    }

    /// <summary>Runs <paramref name="sql"/> on a fresh connection and returns the number of rows affected.</summary>
    public static async Task<int> NonQueryAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Returns once the standby behind <paramref name="replica"/> has replayed everything the server behind
    /// <paramref name="upstream"/> (called <paramref name="upstreamName"/> in errors) had written when this was
    /// called. Throws a <see cref="TimeoutException"/> whose message <paramref name="describeShortfall"/> makes
    /// from the positions reached and wanted.
    /// </summary>
    public static async Task WaitForCatchUpAsync(
        string upstream,
        string upstreamName,
        string replica,
        TimeSpan timeout,
        Func<NpgsqlLogSequenceNumber?, NpgsqlLogSequenceNumber, string> describeShortfall,
        CancellationToken cancellationToken)
    {
        // A cascading upstream is itself in recovery, where pg_current_wal_lsn() is not allowed.
        var target = await ScalarAsync<NpgsqlLogSequenceNumber?>(
            upstream,
            "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END",
            [],
            cancellationToken)
            ?? throw new InvalidOperationException($"{upstreamName} reports no WAL position yet, so there is nothing to catch up with.");
        NpgsqlLogSequenceNumber? replayed = null;
        await Wait.UntilAsync(
            async token =>
            {
                replayed = await ScalarAsync<NpgsqlLogSequenceNumber?>(replica, "SELECT pg_last_wal_replay_lsn()", [], token);
                return replayed >= target;
            },
            timeout,
            () => describeShortfall(replayed, target),
            cancellationToken);
    }
}
