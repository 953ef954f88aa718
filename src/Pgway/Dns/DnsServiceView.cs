using System.Collections.Immutable;
using System.Net;

namespace Pgway.Dns;

/// <summary>One service of a cluster as DNS names it: <c>&lt;short&gt;.&lt;cluster&gt;</c> and its SRV records.</summary>
/// <param name="ShortName">The service's name without the cluster's: <c>primary</c>, <c>replica</c>, <c>standby</c>…</param>
/// <param name="Port">The service's port on every entry point.</param>
/// <param name="Up">The addresses of the members the service would use now (backups only when it would).</param>
internal sealed record DnsServiceView(string ShortName, int Port, ImmutableArray<IPAddress> Up);
