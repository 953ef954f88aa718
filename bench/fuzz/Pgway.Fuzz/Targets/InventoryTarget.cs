using System.Text;
using Pgway.Configuration;

namespace Pgway.Fuzz;

/// <summary>
/// The inventory loader (<see cref="InventoryLoader.LoadText"/>): YAML, then the Pigsty inventory
/// and its services. Its documented answer to any text is a <see cref="LoadResult"/> — a topology,
/// or every problem with its place — never an exception.
/// </summary>
internal static class InventoryTarget
{
    public static void Check(byte[] input)
    {
        var result = InventoryLoader.LoadText(Encoding.UTF8.GetString(input), "fuzz.yml");
        Expect((result.Topology is null) == result.HasErrors, "a topology with errors, or neither");
        foreach (var diagnostic in result.Diagnostics)
        {
            Expect(!string.IsNullOrWhiteSpace(diagnostic.Message) && diagnostic.Location.Line >= 0 && diagnostic.Location.Column >= 0,
                $"a diagnostic without a message or a place: {diagnostic}");
        }
    }

    private static void Expect(bool condition, string broken)
    {
        if (!condition)
        {
            throw new FuzzInvariantException($"inventory: {broken}");
        }
    }
}
