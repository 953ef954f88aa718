using Npgsql;

namespace Pgway.Agent;

/// <summary>
/// The fresh-connection check: the status queries run on a kept connection, which goes on working
/// when the postmaster no longer starts backends (stopped by a signal, hung on a lock, out of
/// process slots in the kernel). Clients only ever open new connections, so the reader also opens
/// one of its own, without the pool, bounded like connecting: an instance that cannot give it a
/// backend in time is not running for any check.
/// </summary>
internal sealed partial class InstanceStatusReader
{
    private readonly Lock freshGate = new();
    private DateTimeOffset lastFreshSuccess = DateTimeOffset.MinValue;

    // Due when the last one is older than the interval or failed: a failing instance is re-checked
    // every round, so it answers 200 again as soon as it takes connections again.
    private bool FreshCheckDue()
    {
        if (options.FreshConnectionInterval <= TimeSpan.Zero)
        {
            return false;
        }
        lock (freshGate)
        {
            return time.GetUtcNow() - lastFreshSuccess >= options.FreshConnectionInterval;
        }
    }

    /// <summary>Null when a new connection was logged in within the bound; else the status to report instead.</summary>
    private async Task<InstanceStatus?> CheckFreshAsync(TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        using var expiry = new CancellationTokenSource(connectTimeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        var opening = OpenFreshAsync(deadline.Token);
        try
        {
            // As for the status round: whatever a frozen server does to the driver, the answer comes in time.
            await opening.WaitAsync(connectTimeout, time, cancellationToken);
            lock (freshGate)
            {
                lastFreshSuccess = time.GetUtcNow();
            }
            return null;
        }
        catch (PostgresException e) when (e.SqlState is not ("57P03" or "57P01" or "57P02"))
        {
            // The postmaster answered: it takes connections. Why this one was refused (a password,
            // too many clients) is for the status queries and the client to report.
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsServerFailure(e))
        {
            var timedOut = e is OperationCanceledException or TimeoutException || Find<TimeoutException>(e) is not null;
            var state = Classify(e);
            var why = timedOut
                ? $"a new connection got no backend within {connectTimeout.TotalMilliseconds:0} ms (the postmaster does not answer; connections already open may still work)"
                : $"a new connection failed: {Describe(e, connectTimeout)}";
            return InstanceStatus.NotRunning(state, time.GetUtcNow(), why,
                timedOut ? StatusFailure.ConnectTimeout : state == PostgresState.Stopped ? StatusFailure.Refused : StatusFailure.Other);
        }
        finally
        {
            await expiry.CancelAsync();
            _ = opening.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private async Task OpenFreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = fresh.CreateConnection();
        await connection.OpenAsync(cancellationToken);
    }

    private static NpgsqlDataSource CreateFreshSource(InstanceStatusReaderOptions options)
    {
        var builder = Tune(new NpgsqlConnectionStringBuilder(options.ConnectionString), options.Timeout);
        // Never a kept connection: the point is to see a backend start.
        builder.Pooling = false;
        return NpgsqlDataSource.Create(builder);
    }
}
