namespace Pgway.Configuration;

/// <summary>Names that end up in haproxy.cfg, pg_service.conf sections and metric labels.</summary>
internal static class ClusterNames
{
    public static bool IsValid(string name) =>
        name.Length > 0 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
