using System.Collections.Immutable;

namespace Pgway.Hosting;

/// <summary>What a reload did: the services added, removed (draining) and changed, or why it was rejected.</summary>
/// <param name="Applied">False when the new configuration was rejected and the one in use kept.</param>
/// <param name="Errors">Why it was rejected; when applied, what could not be done (a port that would not bind).</param>
/// <param name="Warnings">What a reload cannot change and needs a restart for (a pooler, agent or admin endpoint added or removed).</param>
internal sealed record ReloadResult(
    bool Applied,
    ImmutableArray<string> Added,
    ImmutableArray<string> Removed,
    ImmutableArray<string> Changed,
    ImmutableArray<string> Errors,
    ImmutableArray<string> Warnings)
{
    public static ReloadResult Rejected(IEnumerable<string> errors) => new(false, [], [], [], [.. errors], []);

    public override string ToString() => Applied
        ? $"added {List(Added)}, removed {List(Removed)}, changed {List(Changed)}{(Errors.IsEmpty ? "" : $"; errors: {string.Join("; ", Errors)}")}"
        : $"rejected: {string.Join("; ", Errors)}";

    private static string List(ImmutableArray<string> names) => names.IsEmpty ? "none" : string.Join(", ", names);
}
