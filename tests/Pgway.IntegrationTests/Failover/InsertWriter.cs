using System.Data;
using System.Diagnostics;
using Npgsql;

namespace Pgway.IntegrationTests.Failover;

/// <summary>
/// One client inserting unique ids through a service, one explicit transaction each (BEGIN, INSERT and COMMIT
/// as separate round trips, so that a transaction cut between them cannot be finished elsewhere without the
/// test seeing it), and recording in a <see cref="WriteLedger"/> what it was told about each.
/// </summary>
internal sealed class InsertWriter(string via, string connectionString, string table, Func<long> nextId, WriteLedger ledger, Stopwatch clock)
{
    // After a failed attempt: enough for the two cores this runs on to serve the cluster, short beside the failover.
    private static readonly TimeSpan s_retryPause = TimeSpan.FromMilliseconds(50);

    /// <summary>Inserts until <paramref name="stop"/> is cancelled, reconnecting when the connection breaks.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        NpgsqlConnection? connection = null;
        string? warning = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var id = nextId();
                var commitSent = false;
                string? server = null;
                try
                {
                    if (connection is not { State: ConnectionState.Open })
                    {
                        if (connection is not null)
                        {
                            await connection.DisposeAsync();
                        }
                        connection = new NpgsqlConnection(connectionString);
                        // PostgreSQL warns when a COMMIT stops waiting for the synchronous standby (cancelled or
                        // terminated): committed locally, maybe not replicated. Such an acknowledgement is noted.
                        connection.Notice += (_, e) => warning = $"{e.Notice.SqlState} {e.Notice.MessageText}";
                        await connection.OpenAsync(CancellationToken.None);
                    }

                    // The stop token is never passed to a command: cancelling a COMMIT that waits for the
                    // synchronous standby makes PostgreSQL acknowledge it without the standby's flush.
                    await ExecuteAsync(connection, "BEGIN");
                    // Which server took the row: the one that acknowledges its COMMIT.
                    await using (var insert = new NpgsqlCommand($"INSERT INTO {table} (id, via) VALUES ({id}, '{via}') RETURNING host(inet_server_addr())", connection))
                    {
                        server = (string?)await insert.ExecuteScalarAsync(CancellationToken.None);
                    }
                    warning = null;
                    commitSent = true;
                    await ExecuteAsync(connection, "COMMIT");
                    ledger.Acknowledged(id, via, server, clock.Elapsed, warning);
                }
                catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
                {
                    if (commitSent)
                    {
                        ledger.Unknown(id, via, clock.Elapsed, e);
                    }
                    else
                    {
                        ledger.NotCommitted(id, via, clock.Elapsed, e);
                    }
                    await RollBackAsync(connection);
                    await Task.Delay(s_retryPause, CancellationToken.None);
                }
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    // A session that survives the error (a pooled one, or a statement that failed on the server) may be left
    // in an aborted transaction, where every later statement fails until the transaction ends.
    private static async Task RollBackAsync(NpgsqlConnection? connection)
    {
        if (connection is not { State: ConnectionState.Open })
        {
            return;
        }
        try
        {
            await ExecuteAsync(connection, "ROLLBACK");
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            // The connection is broken after all: the next attempt opens another.
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
