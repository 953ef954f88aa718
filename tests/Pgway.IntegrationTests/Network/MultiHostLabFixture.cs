using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// A multi-host lab shared by a collection: built once from <see cref="Options"/>, with each host's <c>pgway serve</c>
/// run from this build (<see cref="PgwayCommand"/>), and torn down with the collection.
/// </summary>
public abstract class MultiHostLabFixture : IAsyncLifetime
{
    private MultiHostCluster? cluster;

    /// <summary>The built pgway (<c>dotnet pgway.dll</c>) as a command line, for <c>serve</c> and the other commands.</summary>
    public static IReadOnlyList<string> PgwayCommand
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "pgway.dll");
            var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
            return [dotnet, dll];
        }
    }

    internal MultiHostCluster Cluster => cluster ?? throw new InvalidOperationException(
        $"The {Describe} was not built: {NetworkAvailability.UnavailableReason ?? "see the fixture's failure"}.");

    /// <summary>What the lab is, for the error when it was not built.</summary>
    private protected abstract string Describe { get; }

    /// <summary>The lab's options; <paramref name="serve"/> runs <c>pgway serve</c>.</summary>
    private protected abstract MultiHostClusterOptions Options(IReadOnlyList<string> serve);

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        // Skipped tests still get their collection's fixture: build nothing where they all skip.
        if (!NetworkAvailability.Required && NetworkAvailability.UnavailableReason is not null)
        {
            return;
        }

        cluster = await MultiHostCluster.CreateAsync(Options([.. PgwayCommand, "serve"]));
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
