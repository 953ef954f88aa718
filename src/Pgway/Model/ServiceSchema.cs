namespace Pgway.Model;

/// <summary>Which Pigsty service schema a service was written in.</summary>
internal enum ServiceSchema
{
    /// <summary>Pigsty v1: <c>pg_services</c> + <c>pg_services_extra</c>, <c>src_port</c>/<c>dst_port</c>.</summary>
    V1,

    /// <summary>Pigsty v2 and later: <c>pg_default_services</c> + <c>pg_services</c>, <c>port</c>/<c>dest</c>.</summary>
    V2,
}
