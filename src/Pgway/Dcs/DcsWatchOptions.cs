namespace Pgway.Dcs;

/// <summary>How the DCS watch talks to etcd.</summary>
/// <param name="RequestTimeout">Bounds reading the scope's keys and connecting; a slow etcd costs the watch, never the checks.</param>
/// <param name="KeepAlive">HTTP/2 pings on the watch stream at this interval, so a silent etcd is noticed within about twice this.</param>
/// <param name="FirstRetry">The wait before the first reconnection; it doubles after each failure, up to <paramref name="MaxRetry"/>.</param>
internal sealed record DcsWatchOptions(TimeSpan RequestTimeout, TimeSpan KeepAlive, TimeSpan FirstRetry, TimeSpan MaxRetry)
{
    public static readonly DcsWatchOptions Default = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
}
