using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// The lab every network test shares: three database hosts (pg-test-1 primary on 198.51.100.11, streaming
/// replicas on .12 and .13), each with its own <c>pgway serve</c>, and the client namespace. Tests leave it as
/// they found it: a host cut off is restored, and its services are back before the test ends.
/// </summary>
public sealed class NetworkLabFixture : IAsyncLifetime
{
    private MultiHostCluster? cluster;

    internal MultiHostCluster Cluster => cluster ?? throw new InvalidOperationException(
        $"The network lab was not built: {NetworkAvailability.UnavailableReason ?? "see the fixture's failure"}.");

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        // Skipped tests still get their collection's fixture: build nothing where they all skip.
        if (!NetworkAvailability.Required && NetworkAvailability.UnavailableReason is not null)
        {
            return;
        }

        var dll = Path.Combine(AppContext.BaseDirectory, "pgway.dll");
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        cluster = await MultiHostCluster.CreateAsync(new MultiHostClusterOptions { ServeCommand = [dotnet, dll, "serve"] });
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }
}
