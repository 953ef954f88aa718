using System.Collections.Immutable;
using System.Net;

namespace Pgway.Dns;

/// <summary>
/// One cluster as its DNS names see it at one moment, made from inputs every node shares (the inventory, the members'
/// health, the DCS leader), so every node's pgway answers alike.
/// </summary>
/// <param name="Suffix">Pigsty's <c>pg_dns_suffix</c>: "" or e.g. <c>.pigsty</c>.</param>
/// <param name="Target">What the cluster's own name answers now (<c>pg_dns_target</c>); empty: no record.</param>
/// <param name="Instances">Each instance's name and address.</param>
/// <param name="Primary">The current primary: the members up in the cluster's primary services.</param>
/// <param name="Replicas">The replicas up now: Consul's <c>replica</c> tag.</param>
/// <param name="Running">Every member up in any service: Consul's service without a tag.</param>
/// <param name="EntryPoints">The nodes whose pgway serves the cluster's services.</param>
internal sealed record DnsClusterView(
    string Name,
    string Suffix,
    ImmutableArray<IPAddress> Target,
    ImmutableArray<(string Name, IPAddress Address)> Instances,
    ImmutableArray<DnsServiceView> Services,
    ImmutableArray<IPAddress> Primary,
    ImmutableArray<IPAddress> Replicas,
    ImmutableArray<IPAddress> Running,
    ImmutableArray<DnsEntryPoint> EntryPoints);
