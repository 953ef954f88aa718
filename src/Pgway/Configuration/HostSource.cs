namespace Pgway.Configuration;

/// <summary>A host of the inventory with every variable that applies to it merged.</summary>
internal sealed record HostSource(string Address, VariableSet Variables, SourceLocation Location);
