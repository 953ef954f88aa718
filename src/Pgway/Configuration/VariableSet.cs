using System.Collections.Immutable;
using Newtonsoft.Json.Linq;

namespace Pgway.Configuration;

/// <summary>Variables in scope at one level of the inventory; later levels override earlier ones.</summary>
internal sealed class VariableSet
{
    public static readonly VariableSet Empty = new(ImmutableDictionary<string, Variable>.Empty.WithComparers(StringComparer.Ordinal));

    private readonly ImmutableDictionary<string, Variable> _variables;

    private VariableSet(ImmutableDictionary<string, Variable> variables) => _variables = variables;

    public IEnumerable<Variable> All => _variables.Values;

    public Variable? this[string name] => _variables.GetValueOrDefault(name);

    public VariableSet Overlay(IEnumerable<Variable> overrides) =>
        new(_variables.SetItems(overrides.Select(v => KeyValuePair.Create(v.Name, v))));

    public VariableSet Overlay(VariableSet overrides) => Overlay(overrides.All);

    /// <summary>The value, or null when the variable is absent or YAML null.</summary>
    public JToken? Value(string name) =>
        this[name]?.Value is { Type: not JTokenType.Null } value ? value : null;

    public JObject ToJson()
    {
        var result = new JObject();
        foreach (var (name, variable) in _variables.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            result[name] = variable.Value.DeepClone();
        }
        return result;
    }
}
