using System.Net;

namespace Pgway.Dns;

/// <summary>A node that runs a cluster's services (its pgway is an entry point), and the name SRV records give it.</summary>
/// <param name="Name">The instance's name (<c>pg-test-1</c>), or <c>&lt;cluster&gt;-entry-&lt;n&gt;</c> for a <c>pg_service_provider</c> node.</param>
internal sealed record DnsEntryPoint(string Name, IPAddress Address);
