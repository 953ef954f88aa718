using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Pgway.Http;

/// <summary>
/// Bounds on one of pgway's Kestrel servers (the admin endpoint, the health agent): how many connections
/// it holds at once, how long an idle or slow one may stay, and how large a request may be. A client
/// over the connection limit is accepted and closed at once, so no flood of monitoring requests can
/// grow pgway's memory without bound or take the thread pool the health checks run on.
/// </summary>
/// <param name="MaxConnections">Connections held at once; the next is closed on accept.</param>
/// <param name="KeepAliveTimeout">How long an idle keep-alive connection is kept.</param>
internal sealed record HttpEndpointLimits(int MaxConnections, TimeSpan KeepAliveTimeout)
{
    /// <summary>
    /// The admin endpoint: a few browsers on the stats page, Prometheus and the CLI need a handful of
    /// connections; the stats page reads every 2 s and Prometheus every 10 to 15 s, so 10 s of idle keep-alive
    /// serves the page and lets a scraper's connection go between scrapes.
    /// </summary>
    public static readonly HttpEndpointLimits Admin = new(64, TimeSpan.FromSeconds(10));

    /// <summary>
    /// The health agent: HAProxy (one connection per service per node, kept alive between checks),
    /// pgway's own checks and Patroni-style callers; checks come every few seconds, so 30 s of idle
    /// keep-alive keeps each checker on one connection.
    /// </summary>
    public static readonly HttpEndpointLimits Agent = new(256, TimeSpan.FromSeconds(30));

    /// <summary>How long a client may take to send its request line and headers (a slow sender holds a connection).</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bytes of the request line: the longest pgway's own URLs need is far below this.</summary>
    public int MaxRequestLineSize { get; init; } = 4 * 1024;

    /// <summary>Bytes of all request headers together: enough for basic auth, a token and a browser's usual headers.</summary>
    public int MaxRequestHeadersTotalSize { get; init; } = 8 * 1024;

    /// <summary>Request headers: a browser sends about 15.</summary>
    public int MaxRequestHeaderCount { get; init; } = 32;

    /// <summary>Bytes of a request body: no request pgway answers has one.</summary>
    public long MaxRequestBodySize { get; init; } = 4 * 1024;

    /// <summary>Applies the limits to a Kestrel server: HTTP/1.1 only, no upgrades (WebSockets).</summary>
    internal void ApplyTo(KestrelServerOptions kestrel)
    {
        var limits = kestrel.Limits;
        limits.MaxConcurrentConnections = MaxConnections;
        limits.MaxConcurrentUpgradedConnections = 0;
        limits.KeepAliveTimeout = KeepAliveTimeout;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.MaxRequestLineSize = MaxRequestLineSize;
        limits.MaxRequestHeadersTotalSize = MaxRequestHeadersTotalSize;
        limits.MaxRequestHeaderCount = MaxRequestHeaderCount;
        limits.MaxRequestBodySize = MaxRequestBodySize;
        // What Kestrel reads ahead of the application per connection: a request's head, not the default 1 MB.
        limits.MaxRequestBufferSize = 2L * MaxRequestHeadersTotalSize;
        kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1);
    }
}
