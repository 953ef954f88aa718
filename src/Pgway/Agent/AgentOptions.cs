using System.Net;

namespace Pgway.Agent;

/// <summary>One health agent: the instance it speaks for and where it answers.</summary>
/// <param name="Listen">Address and port to answer on (the node's address and <c>patroni_port</c>).</param>
/// <param name="Scope">The cluster name, reported as Patroni's <c>scope</c>.</param>
/// <param name="Name">The instance name, reported as Patroni's member <c>name</c>.</param>
/// <param name="CacheMaxAge">How long one status answers every check (see <see cref="InstanceStatusCache"/>).</param>
internal sealed record AgentOptions(
    IPEndPoint Listen,
    InstanceStatusReaderOptions Instance,
    NodeTags Tags,
    string Scope,
    string Name,
    TimeSpan CacheMaxAge);
