using Pgway.Model;

namespace Pgway.Tests.Architecture;

public sealed class CoreAccessibilityTests
{
    /// <summary>
    /// The core is no library: every assembly that uses it is listed in its InternalsVisibleTo, so a
    /// public type would only be a promise to callers that do not exist. New types start internal.
    /// </summary>
    [Fact]
    public void CoreAssembly_ExportsNoTypes()
    {
        var exported = typeof(Topology).Assembly.GetExportedTypes()
            .Select(t => t.FullName)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(exported.Count == 0,
            $"src/Pgway declares {exported.Count} public type(s); declare them internal: {string.Join(", ", exported)}");
    }
}
