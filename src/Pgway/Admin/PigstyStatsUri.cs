namespace Pgway.Admin;

/// <summary>
/// Pigsty's path to a node's stats page: its haproxy serves <c>stats uri /haproxy/&lt;nodename&gt;/</c>, and the
/// infra nodes' nginx forwards <c>/haproxy/&lt;nodename&gt;/</c> to the node's haproxy_exporter_port unchanged. The
/// admin endpoint answers there as at its root, so the links of Pigsty's home page keep working.
/// </summary>
internal static class PigstyStatsUri
{
    private const string Prefix = "/haproxy/";

    /// <summary>
    /// The endpoint's own path for a request path: <c>/haproxy/&lt;name&gt;/rest</c> becomes <c>/rest</c>. Any name is
    /// accepted: when the inventory sets no <c>nodename</c>, Pigsty uses the host's name, which pgway cannot know.
    /// </summary>
    public static string Local(string? path)
    {
        if (path is null || !path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return path ?? "/";
        }
        var end = path.IndexOf('/', Prefix.Length);
        return end > Prefix.Length ? path[end..] : path;
    }
}
