using Pgway.Model;

namespace Pgway.Health;

/// <summary>
/// What one probe asks of one place. Members of different services that share a target share one
/// prober and its results, so a node's agent is asked once per interval, not once per service.
/// </summary>
/// <param name="Method">The HTTP method (HAProxy's default <c>OPTIONS</c>); empty for a postgres check.</param>
/// <param name="Path">Path and query, e.g. <c>/read-only?lag=1MB</c>; for a postgres check, the question answered by SQL.</param>
internal sealed record CheckTarget(HealthCheckKind Kind, string Address, int Port, string Method, string Path)
{
    /// <summary>
    /// HTTPS, verified against this CA file (PEM), as HAProxy's <c>check-ssl ca-file</c> on Pigsty's
    /// <c>patroni_ssl_enabled</c> instances; null: plain HTTP.
    /// </summary>
    public string? CaFile { get; init; }

    public override string ToString() => Kind == HealthCheckKind.Postgres
        ? $"postgres {Address}:{Port} {Path}"
        : $"{Method} {(CaFile is null ? "http" : "https")}://{(Address.Contains(':', StringComparison.Ordinal) ? $"[{Address}]" : Address)}:{Port}{Path}";
}
