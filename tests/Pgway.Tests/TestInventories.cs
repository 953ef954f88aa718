using Pgway.Configuration;
using Pgway.Model;

namespace Pgway.Tests;

/// <summary>Loads inventories for tests: the shipped examples, or YAML written in the test.</summary>
internal static class TestInventories
{
    public const string File = "test.yml";

    public static string ExamplePath(string name) => Path.Combine(AppContext.BaseDirectory, "examples", name);

    public static Topology Example(string name)
    {
        var result = InventoryLoader.LoadFile(ExamplePath(name));
        Assert.False(result.HasErrors, string.Join('\n', result.Errors));
        return result.Topology!;
    }

    public static LoadResult Load(string yaml) => InventoryLoader.LoadText(yaml, File);

    public static Topology LoadValid(string yaml)
    {
        var result = Load(yaml);
        Assert.False(result.HasErrors, string.Join('\n', result.Errors));
        return result.Topology!;
    }

    public static Service Service(this Topology topology, string fullName) =>
        topology.Clusters.SelectMany(c => c.Services).Single(s => s.FullName == fullName);

    public static string[] Active(this Service service) => [.. service.ActiveMembers.Select(m => m.Name)];

    public static string[] Backups(this Service service) => [.. service.BackupMembers.Select(m => m.Name)];

    /// <summary>The one diagnostic whose message contains the text; fails listing them all otherwise.</summary>
    public static Diagnostic Single(this LoadResult result, string contains)
    {
        var matches = result.Diagnostics.Where(d => d.Message.Contains(contains, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count == 1, $"expected one diagnostic containing '{contains}', got {matches.Count}:\n{string.Join('\n', result.Diagnostics)}");
        return matches[0];
    }
}
