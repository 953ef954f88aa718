namespace Pgway.Pooling;

/// <summary>
/// What <see cref="ServerPool.AcquireAsync"/> gave a client: a value, not an exception, because every
/// one of these is an expected end of a wait. Only <see cref="AcquireOutcome.Server"/> and
/// <see cref="AcquireOutcome.Slot"/> leave the client owing the pool something back.
/// </summary>
/// <param name="Outcome">How the request ended.</param>
/// <param name="Server">The server, for <see cref="AcquireOutcome.Server"/>; null otherwise.</param>
/// <param name="Error">Why log-ins fail, for <see cref="AcquireOutcome.LoginFailing"/>; null otherwise.</param>
internal readonly record struct PoolAcquisition(AcquireOutcome Outcome, PooledServer? Server, string? Error)
{
    public static PoolAcquisition Slot => new(AcquireOutcome.Slot, null, null);

    public static PoolAcquisition TimedOut => new(AcquireOutcome.TimedOut, null, null);

    public static PoolAcquisition Cancelled => new(AcquireOutcome.Cancelled, null, null);

    public static PoolAcquisition Of(PooledServer server) => new(AcquireOutcome.Server, server, null);

    public static PoolAcquisition LoginFailing(string error) => new(AcquireOutcome.LoginFailing, null, error);

    /// <summary>The message a client gets when log-ins fail: PgBouncer's wording, with the server's own error.</summary>
    public string LoginFailingMessage => $"pgway: server login has been failing, try again later (server_login_retry): {Error}";
}
