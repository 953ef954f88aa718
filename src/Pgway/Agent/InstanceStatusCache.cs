namespace Pgway.Agent;

/// <summary>
/// Keeps the last status for a short interval and lets concurrent callers share one refresh, so a
/// burst of checks (every node's HAProxy or pgway, every service) costs one round of queries.
/// </summary>
internal sealed class InstanceStatusCache(Func<CancellationToken, Task<InstanceStatus>> read, TimeSpan maxAge, TimeProvider time)
{
    private readonly Lock gate = new();
    private InstanceStatus? last;
    private Task<InstanceStatus>? refreshing;

    /// <summary>The default interval: well under the shortest <c>fastinter</c> in Pigsty's plans (0.5 s).</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromMilliseconds(200);

    /// <summary>The last status read, if any, without asking.</summary>
    public InstanceStatus? Last => Volatile.Read(ref last);

    public Task<InstanceStatus> GetAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (last is { } cached && time.GetUtcNow() - cached.CheckedAt < maxAge)
            {
                return Task.FromResult(cached);
            }
            // The refresh runs detached from any one caller: a caller that gives up must not fail the others.
            if (refreshing is null || refreshing.IsCompleted)
            {
                refreshing = Task.Run(RefreshAsync, CancellationToken.None);
            }
            return refreshing.WaitAsync(cancellationToken);
        }
    }

    private async Task<InstanceStatus> RefreshAsync()
    {
        try
        {
            var status = await read(CancellationToken.None).ConfigureAwait(false);
            Volatile.Write(ref last, status);
            return status;
        }
        catch (Exception e)
        {
            // The reader turns server failures into statuses; anything else is a bug, reported as unknown.
            var status = InstanceStatus.NotRunning(PostgresState.Unknown, time.GetUtcNow(), e.Message);
            Volatile.Write(ref last, status);
            return status;
        }
    }
}
