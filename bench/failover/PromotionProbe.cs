using Npgsql;

namespace Pgway.Bench.Failover;

/// <summary>
/// The moment of promotion, as a client connected straight to a standby sees it: <c>pg_is_in_recovery()</c>
/// polled every <c>interval</c> on each candidate over its own connection. Recovery ends and writes are
/// allowed at the same point in the startup process, so the first poll that answers false was sent at
/// most one interval (plus a round trip) after the new primary could take its first write.
/// </summary>
internal sealed class PromotionProbe
{
    private readonly IReadOnlyList<(string Name, string ConnectionString)> _candidates;
    private readonly TimeSpan _interval;

    public PromotionProbe(IReadOnlyList<(string Name, string ConnectionString)> candidates, TimeSpan interval)
    {
        _candidates = candidates;
        _interval = interval;
    }

    /// <summary>Polls until a candidate leaves recovery; returns it and the start of the poll that saw it (UTC).</summary>
    public async Task<(string Name, DateTime PromotedAt)> WaitAsync(CancellationToken cancellationToken)
    {
        using var first = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var polls = _candidates.Select(candidate => PollAsync(candidate.Name, candidate.ConnectionString, first.Token)).ToList();
        var winner = await await Task.WhenAny(polls);
        await first.CancelAsync();
        await Task.WhenAll(polls.Select(poll => poll.ContinueWith(_ => { }, TaskScheduler.Default)));
        return winner;
    }

    private async Task<(string Name, DateTime PromotedAt)> PollAsync(string name, string connectionString, CancellationToken cancellationToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 1, CommandTimeout = 2, ApplicationName = "failover-bench-probe", GssEncryptionMode = GssEncryptionMode.Disable };
        NpgsqlConnection? connection = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var start = DateTime.UtcNow;
                try
                {
                    if (connection is not { State: System.Data.ConnectionState.Open })
                    {
                        if (connection is not null)
                        {
                            await connection.DisposeAsync();
                        }

                        connection = new NpgsqlConnection(settings.ConnectionString);
                        await connection.OpenAsync(cancellationToken);
                        start = DateTime.UtcNow;
                    }

                    await using var poll = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
                    if (await poll.ExecuteScalarAsync(cancellationToken) is false)
                    {
                        return (name, start);
                    }
                }
                catch (NpgsqlException)
                {
                    // A standby restarting under Patroni: connect again at the next poll.
                }

                await Task.Delay(_interval, cancellationToken);
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
}
