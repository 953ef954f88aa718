using System.Net;
using Pgway.Model;

namespace Pgway.Admin;

/// <summary>One address the admin endpoint answers on (a node's address and <c>haproxy_exporter_port</c>) and what the stats page, <c>/status.json</c> and <c>/metrics</c> ask for there.</summary>
/// <param name="Credentials">Null: they are open.</param>
internal sealed record AdminListen(IPEndPoint EndPoint, AdminCredentials? Credentials);
