using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// The lab every network test shares: three database hosts (pg-test-1 primary on 198.51.100.11, streaming
/// replicas on .12 and .13), each with its own <c>pgway serve</c>, and the client namespace. Tests leave it as
/// they found it: a host cut off is restored, and its services are back before the test ends.
/// </summary>
public sealed class NetworkLabFixture : MultiHostLabFixture
{
    private protected override string Describe => "network lab";

    private protected override MultiHostClusterOptions Options(IReadOnlyList<string> serve) => new() { ServeCommand = serve };
}
