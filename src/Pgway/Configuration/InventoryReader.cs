using System.Collections.Immutable;
using YamlDotNet.RepresentationModel;

namespace Pgway.Configuration;

/// <summary>
/// Walks an Ansible-style inventory (<c>all.vars</c>, <c>all.children.&lt;group&gt;.vars|hosts|children</c>)
/// and merges variables the way Ansible does: host over group over parent group over global.
/// </summary>
internal sealed class InventoryReader(string file, DiagnosticBag diagnostics)
{
    private static readonly string[] GroupKeys = ["hosts", "vars", "children"];

    private readonly List<Occurrence> _occurrences = [];

    /// <summary>A host listed under one group, with that group's variables and its own.</summary>
    private sealed record Occurrence(string Address, VariableSet GroupVariables, VariableSet HostVariables, SourceLocation Location, SourceLocation GroupLocation);

    public ImmutableArray<ClusterSource> Read(YamlNode root)
    {
        if (root is not YamlMappingNode mapping)
        {
            diagnostics.Error(YamlSource.Locate(file, root), "an inventory is a mapping that starts with 'all:'");
            return [];
        }
        var top = new MappingReader(mapping, file, diagnostics, "the inventory", ["all"],
            key => $"; groups go under all.children{Suggestions.DidYouMean(key, ["all"])}");
        if (top.Mapping("all") is not { } all)
        {
            diagnostics.Error(top.Location, "the inventory has no 'all:' group");
            return [];
        }
        ReadGroup(all, "all", VariableSet.Empty);
        return BuildClusters();
    }

    private void ReadGroup(YamlMappingNode node, string name, VariableSet inherited)
    {
        var group = new MappingReader(node, file, diagnostics, $"group '{name}'", GroupKeys);
        var variables = inherited;
        if (group.Mapping("vars") is { } vars)
        {
            variables = inherited.Overlay(ReadVariables(vars));
        }
        if (group.Mapping("hosts") is { } hosts)
        {
            foreach (var (key, value) in YamlValues.Entries(hosts))
            {
                var hostVariables = VariableSet.Empty;
                if (value is YamlMappingNode hostVars)
                {
                    hostVariables = hostVariables.Overlay(ReadVariables(hostVars));
                }
                else if (!YamlValues.IsNull(value))
                {
                    diagnostics.Error(YamlSource.Locate(file, value), $"host '{key.Value}' must map to its variables, e.g. {{ pg_seq: 1, pg_role: primary }}");
                }
                _occurrences.Add(new Occurrence(key.Value ?? "", variables, hostVariables, YamlSource.Locate(file, key), group.Location));
            }
        }
        if (group.Mapping("children") is { } children)
        {
            foreach (var (key, value) in YamlValues.Entries(children))
            {
                if (value is YamlMappingNode child)
                {
                    ReadGroup(child, key.Value ?? "", variables);
                }
                else if (!YamlValues.IsNull(value))
                {
                    diagnostics.Error(YamlSource.Locate(file, value), $"group '{key.Value}' must be a mapping with hosts, vars or children");
                }
            }
        }
    }

    private List<Variable> ReadVariables(YamlMappingNode vars)
    {
        var result = new List<Variable>();
        foreach (var (key, value) in YamlValues.Entries(vars))
        {
            var name = key.Value ?? "";
            if (!KnownVariables.IsKnown(name) && Suggestions.Closest(name, KnownVariables.Read) is { } match)
            {
                diagnostics.Warning(YamlSource.Locate(file, key), $"unknown variable '{name}' (did you mean '{match}'?)");
            }
            result.Add(new Variable(name, value, file));
        }
        return result;
    }

    private ImmutableArray<ClusterSource> BuildClusters()
    {
        // A host may be listed in several groups (Pigsty lists the admin node under infra and pg-meta):
        // its variables are the union, host-level ones winning over any group's.
        var hosts = new List<HostSource>();
        foreach (var occurrences in _occurrences.GroupBy(o => o.Address))
        {
            var groupVariables = occurrences.Aggregate(VariableSet.Empty, (merged, o) => merged.Overlay(o.GroupVariables));
            var hostVariables = occurrences.Aggregate(VariableSet.Empty, (merged, o) => merged.Overlay(o.HostVariables));
            hosts.Add(new HostSource(occurrences.Key, groupVariables.Overlay(hostVariables), occurrences.First().Location));
        }

        var clusters = new List<ClusterSource>();
        foreach (var members in hosts.Where(h => h.Variables.Value("pg_cluster") is not null)
                                     .GroupBy(h => h.Variables.Value("pg_cluster")!.ToString()))
        {
            var name = members.Key;
            // The cluster's own variables are those of the group that names it, not of any one host.
            var defining = _occurrences.FirstOrDefault(o =>
                o.GroupVariables.Value("pg_cluster")?.ToString() == name && members.Any(m => m.Address == o.Address));
            var variables = defining?.GroupVariables ?? members.First().Variables;
            clusters.Add(new ClusterSource(name, variables, [.. members], defining?.GroupLocation ?? members.First().Location));
        }

        foreach (var orphan in hosts.Where(h => h.Variables.Value("pg_cluster") is null && h.Variables["pg_seq"] is not null))
        {
            diagnostics.Error(orphan.Location, $"host '{orphan.Address}' has pg_seq but no pg_cluster: set pg_cluster in its group's vars");
        }
        return [.. clusters];
    }
}
