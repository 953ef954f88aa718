namespace Pgway.Pooling;

/// <summary>
/// <c>server_login_retry</c> for one pool: after a failed connect or log-in, no new server is tried
/// until the retry time has passed or a log-in has worked. Not thread-safe: used under the pool's lock.
/// </summary>
internal sealed class LoginBackoff
{
    private DateTimeOffset failedAt;
    private string? error;

    /// <summary>The last failure's error while it still holds new servers back (<paramref name="retry"/> not yet passed); null otherwise.</summary>
    public string? Failure(DateTimeOffset now, TimeSpan retry) =>
        error is not null && now - failedAt < retry ? error : null;

    public void Failed(DateTimeOffset now, string why)
    {
        failedAt = now;
        error = why;
    }

    public void Succeeded() => error = null;
}
