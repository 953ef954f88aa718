namespace Pgway.IntegrationTests.Demo;

/// <summary>
/// The xunit collection of the demo's tests: the demo binds fixed addresses (127.0.0.11-13 with their
/// real ports), so its tests run one at a time; every other integration test uses its own 127.77.x.x block.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DemoAddresses
{
    /// <summary>The name to put in <c>[Collection(...)]</c>.</summary>
    public const string Name = "pgway demo on 127.0.0.11-13";
}
