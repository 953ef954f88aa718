namespace Pgway.Fuzz;

/// <summary>Every fuzz target, by name.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("startup", StartupTarget.Check),
        new("framing", FramingTarget.Check),
        new("prepared", PreparedStatementsTarget.Check),
        new("scram", ScramTarget.Check),
        new("agent", AgentQueryTarget.Check),
        new("admin", AdminPathTarget.Check),
        new("console", ConsoleCommandTarget.Check),
        new("dns", DnsQueryTarget.Check),
        // YAML and the inventory's expansion allocate more per byte than a wire parser; still bounded.
        new("inventory", InventoryTarget.Check, AllocationBudget: 32 << 20, AllocationPerInputByte: 16 << 10),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
