namespace Pgway.Admin;

/// <summary>
/// A response body built at most once per <c>maxAge</c>, however many requests ask for it: the first
/// request after it ages builds it, the ones meanwhile wait for that build, and the rest share the bytes.
/// A flood of <c>/status.json</c> or <c>/metrics</c> requests then costs one report per interval, not one per request.
/// </summary>
internal sealed class CachedBody(Func<byte[]> build, TimeSpan maxAge, TimeProvider time)
{
    private readonly Lock gate = new();
    private Task<byte[]>? current;
    private long startedAt;

    public Task<byte[]> GetAsync()
    {
        TaskCompletionSource<byte[]> building;
        lock (gate)
        {
            // A build under way is shared; a failed one is not kept.
            if (current is { } body && (!body.IsCompleted || body.IsCompletedSuccessfully && time.GetElapsedTime(startedAt) < maxAge))
            {
                return body;
            }
            building = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            current = building.Task;
            startedAt = time.GetTimestamp();
        }
        try
        {
            building.SetResult(build());
        }
        catch (Exception e)
        {
            building.SetException(e);
        }
        return building.Task;
    }
}
