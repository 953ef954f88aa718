using Npgsql;
using Pgway.Model;

namespace Pgway.Switchover;

/// <summary>
/// A switchover without Patroni (pgway's agent answers the checks): the old primary is fenced in routing
/// (sticky: down whatever its agent says, until an operator clears it) and in its own configuration (see
/// <see cref="ServerFence"/>: every pgway and agent sees it fenced; read-only by default; its client backends
/// terminated); the candidate replays up to the old primary's last WAL position; then <c>pg_promote()</c>.
/// The old primary is left for the operator to rebuild as a replica (pg_rewind or pg_basebackup). SQL runs
/// as Pigsty's admin user (see <see cref="AdminConnection"/>).
/// </summary>
/// <param name="replicaProblem">Why an instance cannot be promoted now; null when it is a healthy replica.</param>
/// <param name="fence">Fences an instance in routing, with the reason.</param>
/// <param name="unfence">Clears that fence (when the switchover is abandoned before the promotion).</param>
internal sealed class PromoteSwitchover(
    Func<Instance, string?> replicaProblem,
    Action<string, string> fence,
    Action<string> unfence,
    TimeProvider time,
    TimeSpan timeout) : ISwitchoverMethod
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public string Name => "promote";

    public async Task<Instance> SwitchAsync(Cluster cluster, Instance primary, Instance? candidate, SwitchoverSteps steps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(steps);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        fence(primary.Name, $"switched over from (was the primary of {cluster.Name}): rebuild it as a replica, then clear the fence");
        var promoting = false;
        var serverTouched = false;
        try
        {
            string lsn;
            await using (var old = await OpenAsync(primary, deadline.Token))
            {
                // Connected: from here the old primary's settings may have changed, and are reset on failure.
                serverTouched = true;
                lsn = await FenceServerAsync(old, $"switched over by pgway at {time.GetUtcNow():yyyy-MM-dd HH:mm:ss}Z: rebuild it as a replica, or unfence it", deadline.Token);
            }
            steps.Add("fence", $"{primary.Name} fenced: out of every service, in its own configuration ({Agent.InstanceStatus.FenceSetting}, read by every pgway and agent) and read-only (default_transaction_read_only), client backends terminated; last WAL position {lsn}");
            var next = candidate ?? await MostAdvancedAsync(cluster, primary, deadline.Token);
            await CatchUpAsync(next, lsn, deadline.Token);
            steps.Add("catch-up", $"{next.Name} replayed up to {lsn}");
            // From here the candidate may be promoted: the old primary stays fenced whatever happens.
            promoting = true;
            await using (var connection = await OpenAsync(next, deadline.Token))
            await using (var promote = new NpgsqlCommand("SELECT pg_promote(true, 60)", connection))
            {
                if ((await ServerFence.ReadAsync(connection, deadline.Token)).Fence is not null)
                {
                    // A fence left from an earlier switchover (rebuilt as a replica without clearing it):
                    // promoted, it would be no primary to anyone.
                    await ServerFence.ClearAsync(connection, deadline.Token);
                    steps.Add("unfence", $"{next.Name}'s fence from an earlier switchover cleared before its promotion");
                }
                if (await promote.ExecuteScalarAsync(deadline.Token) is not true)
                {
                    throw new SwitchoverException($"pg_promote() on {next.Name} did not complete within 60 s");
                }
            }
            steps.Add("promote", $"{next.Name} promoted (pg_promote)");
            return next;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or SwitchoverException)
        {
            var why = e is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? $"not done within {timeout.TotalSeconds:0} s" : e.Message;
            if (promoting)
            {
                throw new SwitchoverException($"{why}; {primary.Name} stays fenced: check the candidate (pg_is_in_recovery()) and its log", e);
            }
            // Abandoned before the promotion: the old primary takes writes again.
            if (serverTouched)
            {
                await UnfenceServerAsync(primary);
            }
            unfence(primary.Name);
            throw new SwitchoverException($"{why}; nothing was switched: {primary.Name} is unfenced and writable again", e);
        }
    }

    // Fenced in its own configuration (read-only for every new transaction), every client session ended,
    // then where its WAL ends.
    private static async Task<string> FenceServerAsync(NpgsqlConnection connection, string reason, CancellationToken cancellationToken)
    {
        await ServerFence.SetAsync(connection, reason, cancellationToken);
        await using (var terminate = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()", connection))
        {
            await terminate.ExecuteScalarAsync(cancellationToken);
        }
        await using var position = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", connection);
        return (string)(await position.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task UnfenceServerAsync(Instance primary)
    {
        try
        {
            using var give = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await using var connection = await OpenAsync(primary, give.Token);
            await ServerFence.ClearAsync(connection, give.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
        {
            throw new SwitchoverException($"the switchover was abandoned, but {primary.Name} could not be made writable again ({e.Message}): clear its fence with `pgway unfence` (or run ALTER SYSTEM RESET pgway.fenced, ALTER SYSTEM RESET default_transaction_read_only and SELECT pg_reload_conf() on it)", e);
        }
    }

    // No candidate named: the healthy replica that has replayed the most.
    private async Task<Instance> MostAdvancedAsync(Cluster cluster, Instance primary, CancellationToken cancellationToken)
    {
        Instance? best = null;
        decimal bestLsn = -1;
        foreach (var replica in cluster.Instances.Where(i => i != primary && replicaProblem(i) is null))
        {
            try
            {
                await using var connection = await OpenAsync(replica, cancellationToken);
                await using var replayed = new NpgsqlCommand("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')", connection);
                if (await replayed.ExecuteScalarAsync(cancellationToken) is decimal lsn && lsn > bestLsn)
                {
                    (best, bestLsn) = (replica, lsn);
                }
            }
            catch (NpgsqlException)
            {
                // Unreachable now: not a candidate.
            }
        }
        return best ?? throw new SwitchoverException($"no healthy replica of {cluster.Name} answers");
    }

    private async Task CatchUpAsync(Instance candidate, string lsn, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(candidate, cancellationToken);
        await using var caughtUp = new NpgsqlCommand("SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= @lsn::pg_lsn", connection);
        caughtUp.Parameters.AddWithValue("lsn", lsn);
        while (await caughtUp.ExecuteScalarAsync(cancellationToken) is not true)
        {
            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    private static Task<NpgsqlConnection> OpenAsync(Instance instance, CancellationToken cancellationToken) =>
        AdminConnection.OpenAsync(instance, "pgway switchover", cancellationToken);
}
