using System.Net;
using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>
/// Pigsty's <c>pg_dns_suffix</c> (default "") and <c>pg_dns_target</c> (<c>auto</c>, <c>primary</c>, <c>vip</c>,
/// <c>none</c> or an address; default <c>auto</c>), which name the cluster in pgway's DNS server as in the records
/// Pigsty writes for the infra nodes' dnsmasq.
/// </summary>
internal sealed class DnsReader(DiagnosticBag diagnostics)
{
    // RFC 1035: 63 octets a label, 255 a name; the cluster's own labels leave room under this for the suffix.
    private const int MaxSuffixLength = 200;

    public ClusterDns Read(ClusterSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var suffix = ReadSuffix(source);
        var (kind, address) = ReadTarget(source);
        return new ClusterDns(suffix, kind, address);
    }

    private string ReadSuffix(ClusterSource source)
    {
        if (source.Variables["pg_dns_suffix"] is not { } variable || source.Variables.Value("pg_dns_suffix") is not { } value)
        {
            return "";
        }
        var text = value.ToString();
        if (text.Length == 0)
        {
            return "";
        }
        // Pigsty appends the suffix as written: ".pigsty" makes "pg-test.pigsty".
        var labels = text.TrimStart('.').TrimEnd('.').Split('.');
        if (!text.StartsWith('.') || text.Length > MaxSuffixLength || labels.Any(l => !IsLabel(l)))
        {
            diagnostics.Error(variable.Location, $"pg_dns_suffix '{text}' of cluster '{source.Name}' is not a DNS suffix: a dot, then labels of letters, digits and '-' (e.g. .pigsty or .db.example.com), or '' for none");
            return "";
        }
        return "." + string.Join('.', labels).ToLowerInvariant();
    }

    private (DnsTargetKind Kind, IPAddress? Address) ReadTarget(ClusterSource source)
    {
        if (source.Variables["pg_dns_target"] is not { } variable || source.Variables.Value("pg_dns_target") is not { } value)
        {
            return (DnsTargetKind.Auto, null);
        }
        var text = value.ToString();
        switch (text)
        {
            case "auto":
                return (DnsTargetKind.Auto, null);
            case "primary":
                return (DnsTargetKind.Primary, null);
            case "vip":
                return (DnsTargetKind.Vip, null);
            case "none":
                return (DnsTargetKind.None, null);
        }
        // Pigsty takes an address with an optional prefix length ("10.10.10.3/24") and writes the address.
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? text : text[..slash];
        if (host.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(host, out var address) || !IsAddressText(host))
        {
            diagnostics.Error(variable.Location, $"pg_dns_target '{text}' of cluster '{source.Name}' is not 'auto', 'primary', 'vip', 'none' or an IP address");
            return (DnsTargetKind.Auto, null);
        }
        return (DnsTargetKind.Address, address);
    }

    // IPAddress.TryParse takes "1" or "10.1" as IPv4: Pigsty's pattern wants four parts, or an IPv6 address.
    private static bool IsAddressText(string text) => text.Contains(':', StringComparison.Ordinal) || text.Count(c => c == '.') == 3;

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
