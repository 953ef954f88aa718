namespace Pgway.Model;

/// <summary>A service's health check, as HAProxy's <c>option httpchk</c> would run it.</summary>
/// <param name="Path">Path with optional query, e.g. <c>/read-only?lag=16kB</c>.</param>
internal sealed record HealthCheck(HealthCheckKind Kind, string Method, string Path, PortReference? Port, int ExpectedStatus)
{
    public static readonly HealthCheck Disabled = new(HealthCheckKind.None, "", "", null, 0);

    public static HealthCheck Http(string path, PortReference port, int expectedStatus = 200, string method = "OPTIONS") =>
        new(HealthCheckKind.Http, method, path, port, expectedStatus);

    /// <summary>pgway's native check: the question in <paramref name="path"/> answered by SQL on the member's postgres.</summary>
    public static HealthCheck Postgres(string path, int expectedStatus = 200) =>
        new(HealthCheckKind.Postgres, "", path, PortReference.Named(PortReference.Postgres), expectedStatus);

    public override string ToString() => Kind switch
    {
        HealthCheckKind.None => "none",
        HealthCheckKind.Postgres => $"postgres {Path} → {ExpectedStatus}",
        _ => $"{Method} {Path} :{Port} → {ExpectedStatus}",
    };
}
