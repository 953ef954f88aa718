using Pgway.Pooling;

namespace Pgway.Hosting;

/// <summary>A hosted instance's pooler (on its <c>pgbouncer_port</c>), known by the instance's name.</summary>
internal sealed record NodePooler(string Instance, Pooler Pooler);
