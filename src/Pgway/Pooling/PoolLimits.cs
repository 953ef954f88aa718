namespace Pgway.Pooling;

/// <summary>The sizes and ages of one pool's server connections, with PgBouncer's names.</summary>
/// <param name="Size"><c>pool_size</c> (or <c>default_pool_size</c>): servers lent without waiting for the reserve.</param>
/// <param name="MinSize"><c>min_pool_size</c>: servers kept open even when idle.</param>
/// <param name="ReserveSize"><c>reserve_pool_size</c>: extra servers for clients that waited <paramref name="ReserveTimeout"/>.</param>
/// <param name="ReserveTimeout"><c>reserve_pool_timeout</c>.</param>
/// <param name="Lifetime"><c>server_lifetime</c>: an older server is closed once idle; zero means no limit.</param>
/// <param name="IdleTimeout"><c>server_idle_timeout</c>: a server idle longer is closed; zero means never.</param>
/// <param name="LoginRetry"><c>server_login_retry</c>: after a failed connect or log-in, how long before trying again.</param>
internal sealed record PoolLimits(
    int Size,
    int MinSize,
    int ReserveSize,
    TimeSpan ReserveTimeout,
    TimeSpan Lifetime,
    TimeSpan IdleTimeout,
    TimeSpan LoginRetry);
