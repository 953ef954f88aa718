using Npgsql;

namespace Pgway.Testing;

// Connecting to the nodes' postgres over TCP on their own address, as pgway and its users will.
internal sealed partial class PatroniTestCluster
{
    /// <summary>
    /// Settings for connecting to <paramref name="node"/>'s postgres as <paramref name="user"/> with its password.
    /// Pooling is off and timeouts are short, as in <see cref="PgTestCluster.ConnectionStringBuilder"/>.
    /// </summary>
    public NpgsqlConnectionStringBuilder ConnectionStringBuilder(PatroniNode node, string user = PgTestUsers.Postgres, string database = DefaultDatabase) =>
        PgConnections.Builder(Own(node).Address, PgPort, Credentials, user, database);

    /// <summary>The connection string of <see cref="ConnectionStringBuilder"/>.</summary>
    public string ConnectionString(PatroniNode node, string user = PgTestUsers.Postgres, string database = DefaultDatabase) =>
        ConnectionStringBuilder(node, user, database).ConnectionString;

    /// <summary>Opens a new (unpooled) connection to <paramref name="node"/>'s postgres; the caller disposes it.</summary>
    public Task<NpgsqlConnection> OpenConnectionAsync(
        PatroniNode node,
        string user = PgTestUsers.Postgres,
        string database = DefaultDatabase,
        CancellationToken cancellationToken = default) =>
        PgConnections.OpenAsync(ConnectionString(node, user, database), cancellationToken);

    /// <summary>Runs <paramref name="sql"/> on a fresh connection and returns the first column of the first row (default for NULL or no row).</summary>
    public Task<T?> ExecuteScalarAsync<T>(
        PatroniNode node,
        string sql,
        string user = PgTestUsers.Postgres,
        string database = DefaultDatabase,
        CancellationToken cancellationToken = default) =>
        PgConnections.ScalarAsync<T>(ConnectionString(node, user, database), sql, [], cancellationToken);

    /// <summary>Runs <paramref name="sql"/> on a fresh connection and returns the number of rows affected.</summary>
    public Task<int> ExecuteNonQueryAsync(
        PatroniNode node,
        string sql,
        string user = PgTestUsers.Postgres,
        string database = DefaultDatabase,
        CancellationToken cancellationToken = default) =>
        PgConnections.NonQueryAsync(ConnectionString(node, user, database), sql, cancellationToken);

    /// <summary>
    /// Returns once <paramref name="replica"/> has replayed everything the current leader had written when this
    /// was called, so a write committed on the leader before the call is then visible on the replica.
    /// </summary>
    public async Task WaitForCatchUpAsync(PatroniNode replica, CancellationToken cancellationToken = default)
    {
        var leader = await WaitForLeaderAsync(cancellationToken: cancellationToken);
        if (leader == Own(replica))
        {
            throw new InvalidOperationException($"{replica.Name} is the leader, so there is nothing to catch up with.");
        }

        await PgConnections.WaitForCatchUpAsync(
            ConnectionString(leader),
            leader.ToString(),
            ConnectionString(replica),
            OperationTimeout,
            (replayed, target) => DescribeFailure($"{replica.Name} replayed up to {replayed?.ToString() ?? "nothing"}, short of {leader.Name}'s {target}."),
            cancellationToken);
    }
}
