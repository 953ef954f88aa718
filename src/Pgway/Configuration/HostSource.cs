using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>A host of the inventory with every variable that applies to it merged.</summary>
/// <param name="Own">The variables set on the host itself, not inherited from its groups.</param>
internal sealed record HostSource(string Address, VariableSet Variables, SourceLocation Location, VariableSet Own)
{
    /// <summary>
    /// How a message names a variable of this host: "pg_port of '10.0.0.1'" when the host sets it,
    /// plain "pg_port" when a group does (its line says where, and every host shares one message).
    /// </summary>
    public string Describe(string name) => Own[name] is not null ? $"{name} of '{Address}'" : name;
}
