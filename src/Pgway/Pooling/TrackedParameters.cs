using System.Collections.Frozen;

namespace Pgway.Pooling;

/// <summary>
/// The session parameters the pooler carries from server to server for a client: those PostgreSQL
/// reports that a client may set (PgBouncer's list, with search_path, which PostgreSQL 18 reports),
/// and any a client gave at start-up. Reported read-only ones (is_superuser, server_version,
/// in_hot_standby, session_authorization…) describe a server, not a client, and are never set.
/// </summary>
internal static class TrackedParameters
{
    public static readonly FrozenSet<string> Reported = new[]
    {
        "client_encoding", "DateStyle", "IntervalStyle", "TimeZone", "standard_conforming_strings", "application_name", "search_path",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
}
