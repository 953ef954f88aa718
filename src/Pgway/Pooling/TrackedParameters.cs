using System.Collections.Frozen;

namespace Pgway.Pooling;

/// <summary>
/// The session parameters the pooler carries from server to server for a client: every one the
/// server reports (PostgreSQL reports a parameter when a client may rely on it: DateStyle, TimeZone,
/// default_transaction_read_only since 14, search_path since 18…) and any a client gave at start-up,
/// except the reported ones that describe a server, not a client (server_version, is_superuser,
/// in_hot_standby…), which are never set.
/// </summary>
internal static class TrackedParameters
{
    private static readonly FrozenSet<string> ServerDescribing = new[]
    {
        "server_version", "server_encoding", "integer_datetimes", "is_superuser", "in_hot_standby", "session_authorization",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether a reported parameter is the client's to carry: anything but what describes the server.</summary>
    public static bool IsClientSettable(string name) => !ServerDescribing.Contains(name);
}
