using System.Net;

namespace Pgway.Testing.Network;

/// <summary>
/// One machine of a <see cref="TestNetwork"/>: a network namespace with <c>lo</c> and one interface,
/// <see cref="Interface"/>, whose veth peer <see cref="BridgePort"/> sits on the bridge in the bridge namespace.
/// </summary>
/// <param name="Name">The short name (<c>h1</c>, <c>h2</c>…, <c>client</c>).</param>
/// <param name="Namespace">The network namespace (<c>ip netns</c> name).</param>
/// <param name="Address">The host's address on the segment.</param>
/// <param name="BridgePort">The veth end on the bridge; cutting the host off takes this link down.</param>
internal sealed record NetworkHost(string Name, string Namespace, IPAddress Address, string BridgePort)
{
    /// <summary>The host's interface inside its namespace.</summary>
    public const string Interface = "eth0";

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Address} in netns {Namespace})";
}
