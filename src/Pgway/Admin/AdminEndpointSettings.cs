using Pgway.Http;

namespace Pgway.Admin;

/// <summary>How the admin endpoint bounds itself, and the token its actions take where there are no credentials.</summary>
internal sealed record AdminEndpointSettings
{
    /// <summary>The default <see cref="CacheAge"/>: the stats page reads every 2 s, so each reading is at most a second old.</summary>
    public static readonly TimeSpan DefaultCacheAge = TimeSpan.FromSeconds(1);

    // After DefaultCacheAge: static fields are set in the order they are written.
    /// <summary>The defaults <c>pgway serve</c> runs with.</summary>
    public static readonly AdminEndpointSettings Default = new();

    /// <summary>Connections, time-outs and request sizes (<see cref="HttpEndpointLimits.Admin"/>).</summary>
    public HttpEndpointLimits Limits { get; init; } = HttpEndpointLimits.Admin;

    /// <summary>How long a built <c>/status.json</c> or <c>/metrics</c> body is served again before it is built anew.</summary>
    public TimeSpan CacheAge { get; init; } = DefaultCacheAge;

    /// <summary>The token actions take on an address without credentials; null: a new random one (<see cref="AdminToken.Generate"/>).</summary>
    public AdminToken? Token { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
