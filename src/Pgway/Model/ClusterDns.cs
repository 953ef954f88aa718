using System.Net;

namespace Pgway.Model;

/// <summary>How pgway's DNS server names a cluster.</summary>
/// <param name="Suffix">Pigsty's <c>pg_dns_suffix</c>, appended to every name of the cluster: "" or e.g. <c>.pigsty</c>.</param>
/// <param name="Target">Pigsty's <c>pg_dns_target</c>: what the cluster's own name answers.</param>
/// <param name="Address">The address <see cref="DnsTargetKind.Address"/> names; null otherwise.</param>
internal sealed record ClusterDns(string Suffix, DnsTargetKind Target, IPAddress? Address)
{
    /// <summary>Pigsty's defaults: no suffix, <c>auto</c>.</summary>
    public static readonly ClusterDns Default = new("", DnsTargetKind.Auto, null);
}
