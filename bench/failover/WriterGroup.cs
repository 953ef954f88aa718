using System.Collections.Concurrent;
using Npgsql;

namespace Pgway.Bench.Failover;

/// <summary>
/// The load on one target: <c>clients</c> connections, each inserting one timestamped row every
/// <c>interval</c>, reconnecting after any error that broke its connection (connect timeout 1 s), and
/// recording every attempt. A client whose connection survives an error (an ERROR, not a lost
/// connection) keeps it: that is what a pooled client does across a failover.
/// </summary>
internal sealed class WriterGroup
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    // Attempt numbers are unique in the process, so a row names its attempt across rounds on the same cluster.
    private static long s_lastAttempt;
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly IReadOnlyList<string> _connectionStrings;
    private readonly int _clients;
    private readonly TimeSpan _interval;

    public WriterGroup(string target, IReadOnlyList<string> connectionStrings, int clients, TimeSpan interval)
    {
        Target = target;
        _clients = clients;
        _interval = interval;
        _connectionStrings = [.. connectionStrings.Select(c => new NpgsqlConnectionStringBuilder(c)
        {
            Pooling = false,
            Timeout = (int)ConnectTimeout.TotalSeconds,
            CommandTimeout = 5,
            CancellationTimeout = 500,
            ApplicationName = $"failover-bench-{target}",
        }.ConnectionString)];
    }

    public string Target { get; }

    public int Clients => _clients;

    /// <summary>Every attempt so far, in no particular order.</summary>
    public IReadOnlyList<Attempt> Attempts => [.. _attempts];

    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(1, _clients).Select(client => Task.Run(() => ClientAsync(client, cancellationToken), CancellationToken.None)));

    private async Task ClientAsync(int client, CancellationToken cancellationToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var start = DateTime.UtcNow;
                var phase = "query";
                var seq = Interlocked.Increment(ref s_lastAttempt);
                try
                {
                    if (connection is not { State: System.Data.ConnectionState.Open })
                    {
                        if (connection is not null)
                        {
                            await connection.DisposeAsync();
                        }

                        phase = "connect";
                        connection = new NpgsqlConnection(_connectionStrings[(client - 1) % _connectionStrings.Count]);

                        // Bound the whole open here, as libpq's connect_timeout does: Npgsql checks its
                        // Timeout between steps, not during one.
                        using var connectLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        connectLimit.CancelAfter(ConnectTimeout);
                        await connection.OpenAsync(connectLimit.Token);
                        phase = "query";
                    }

                    await using var insert = new NpgsqlCommand("INSERT INTO failover_writes (target, client, attempt) VALUES ($1, $2, $3)", connection);
                    insert.Parameters.Add(new NpgsqlParameter { Value = Target });
                    insert.Parameters.Add(new NpgsqlParameter { Value = client });
                    insert.Parameters.Add(new NpgsqlParameter { Value = seq });
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                    _attempts.Enqueue(new Attempt(client, seq, start, DateTime.UtcNow, true, null));
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (OperationCanceledException)
                {
                    _attempts.Enqueue(new Attempt(client, seq, start, DateTime.UtcNow, false, $"{phase}: timeout ({ConnectTimeout.TotalSeconds:F0} s)"));
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    _attempts.Enqueue(new Attempt(client, seq, start, DateTime.UtcNow, false, $"{phase}: {Describe(e)}"));
                }

                try
                {
                    await Task.Delay(_interval, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
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

    private static string Describe(Exception e) => e switch
    {
        PostgresException pg => $"{pg.SqlState} {pg.MessageText}",
        NpgsqlException { InnerException: { } inner } => $"{e.GetType().Name}: {inner.GetType().Name}",
        _ => e.GetType().Name,
    };
}
