using System.Net;
using Pgway.Model;

namespace Pgway.Admin;

/// <summary>One address the admin endpoint answers on (a node's address and <c>haproxy_exporter_port</c>) and what <c>/metrics</c> asks for there.</summary>
/// <param name="Credentials">Null: <c>/metrics</c> is open.</param>
public sealed record AdminListen(IPEndPoint EndPoint, AdminCredentials? Credentials);
