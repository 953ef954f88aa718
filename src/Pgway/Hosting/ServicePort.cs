using System.Net;
using Pgway.Routing;

namespace Pgway.Hosting;

/// <summary>A running service: its route and where it listens, spliced (L4) or pooled (<c>dest: pool</c>).</summary>
internal sealed record ServicePort(ServiceRoute Route, IPEndPoint LocalEndPoint, bool Pooled);
