using System.Collections.Immutable;
using Newtonsoft.Json.Linq;
using Pgway.Model;
using YamlDotNet.RepresentationModel;

namespace Pgway.Configuration;

/// <summary>
/// Walks an Ansible-style inventory (<c>all.vars</c>, <c>all.children.&lt;group&gt;.vars|hosts|children</c>)
/// and merges variables the way Ansible does: global first, then every group the host is in by
/// depth (parents before children) and, at equal depth, by name; host variables last.
/// </summary>
internal sealed class InventoryReader(string file, DiagnosticBag diagnostics)
{
    private static readonly string[] GroupKeys = ["hosts", "vars", "children"];

    private readonly List<Occurrence> _occurrences = [];

    // Every group's name, those without hosts too: Pigsty tests pg_service_provider against Ansible's groups.
    private readonly HashSet<string> _groups = new(StringComparer.Ordinal);

    /// <summary>A group's own variables and how deep it sits (all = 0).</summary>
    private sealed record GroupLevel(string Name, int Depth, VariableSet Own);

    /// <summary>A host listed under one group, with the chain of groups down to it and its own variables.</summary>
    private sealed record Occurrence(string Address, ImmutableList<GroupLevel> Chain, VariableSet HostVariables, SourceLocation Location, SourceLocation GroupLocation)
    {
        /// <summary>The variables of the group that lists the host, inherited ones included.</summary>
        public VariableSet GroupVariables => Chain.Aggregate(VariableSet.Empty, (merged, level) => merged.Overlay(level.Own));
    }

    /// <summary>The hosts of the inventory's <c>infra</c> group (Ansible's <c>groups['infra']</c>), known once <see cref="Read"/> has run.</summary>
    public IEnumerable<string> InfraHosts =>
        _occurrences.Where(o => o.Chain.Any(level => level.Name == "infra")).Select(o => o.Address).Distinct(StringComparer.Ordinal);

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
        ReadGroup(all, "all", []);
        return BuildClusters();
    }

    private void ReadGroup(YamlMappingNode node, string name, ImmutableList<GroupLevel> parents)
    {
        if (parents.Count > YamlValues.MaxDepth)
        {
            diagnostics.Error(YamlSource.Locate(file, node), $"groups nest deeper than {YamlValues.MaxDepth} levels under '{name}' (a group alias that contains itself?)");
            return;
        }
        var group = new MappingReader(node, file, diagnostics, $"group '{name}'", GroupKeys);
        _groups.Add(name);
        var own = group.Mapping("vars") is { } vars ? VariableSet.Empty.Overlay(ReadVariables(vars)) : VariableSet.Empty;
        var chain = parents.Add(new GroupLevel(name, parents.Count, own));
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
                _occurrences.Add(new Occurrence(key.Value ?? "", chain, hostVariables, YamlSource.Locate(file, key), group.Location));
            }
        }
        if (group.Mapping("children") is { } children)
        {
            foreach (var (key, value) in YamlValues.Entries(children))
            {
                if (value is YamlMappingNode child)
                {
                    ReadGroup(child, key.Value ?? "", chain);
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
            if (KnownVariables.NearMiss(name) is { } match)
            {
                diagnostics.Warning(YamlSource.Locate(file, key), $"unknown variable '{name}' (did you mean '{match}'?)");
            }
            result.Add(new Variable(name, value, file));
        }
        return result;
    }

    /// <summary>
    /// Ansible merges every group a host is in into one set of variables, so a host listed under two
    /// clusters ends up in one of them only; the other loses an instance, often its primary.
    /// </summary>
    private void WarnOfSecondCluster(List<Occurrence> occurrences)
    {
        var named = occurrences.Where(o => o.GroupVariables.Value("pg_cluster") is not null)
            .DistinctBy(o => o.GroupVariables.Value("pg_cluster")!.ToString()).ToList();
        if (named.Count < 2)
        {
            return;
        }
        var first = named[0];
        foreach (var other in named.Skip(1))
        {
            diagnostics.Warning(other.Location,
                $"host '{other.Address}' is listed in cluster '{other.GroupVariables.Value("pg_cluster")}' and in cluster '{first.GroupVariables.Value("pg_cluster")}' (line {first.Location.Line}): " +
                "Ansible merges a host's groups, so it is an instance of one cluster only and the other is left without it (a cluster without its primary, if it was one)");
        }
    }

    private ImmutableArray<ClusterSource> BuildClusters()
    {
        // A host may be listed in several groups (Pigsty lists the admin node under infra and pg-meta):
        // every group it is in applies once, shallow before deep, then by name, as Ansible orders them.
        var hosts = new List<HostSource>();
        foreach (var occurrences in _occurrences.GroupBy(o => o.Address))
        {
            WarnOfSecondCluster(occurrences.ToList());
            var groupVariables = occurrences.SelectMany(o => o.Chain)
                .DistinctBy(level => (level.Depth, level.Name))
                .OrderBy(level => level.Depth).ThenBy(level => level.Name, StringComparer.Ordinal)
                .Aggregate(VariableSet.Empty, (merged, level) => merged.Overlay(level.Own));
            var hostVariables = occurrences.Aggregate(VariableSet.Empty, (merged, o) => merged.Overlay(o.HostVariables));
            // Problems with an instance are best shown where its cluster lists it.
            var listing = occurrences.FirstOrDefault(o => o.GroupVariables.Value("pg_cluster") is not null) ?? occurrences.First();
            hosts.Add(new HostSource(occurrences.Key, groupVariables.Overlay(hostVariables), listing.Location, hostVariables));
        }

        var clusters = new List<ClusterSource>();
        foreach (var members in hosts.Where(h => h.Variables.Value("pg_cluster") is not null)
                                     .GroupBy(h => h.Variables.Value("pg_cluster")!.ToString()))
        {
            var name = members.Key;
            if (members.Select(m => m.Variables["pg_instances"]).FirstOrDefault(v => v?.Value is JObject { Count: > 0 }) is { } multi)
            {
                diagnostics.Warning(multi.Location, $"cluster '{name}' puts several PostgreSQL instances on one node (pg_instances, as MatrixDB/Greenplum segments do), which pgway does not serve: its group is skipped");
                continue;
            }
            // The cluster's own variables are those of the group that names it, not of any one host.
            var defining = _occurrences.FirstOrDefault(o =>
                o.GroupVariables.Value("pg_cluster")?.ToString() == name && members.Any(m => m.Address == o.Address));
            var variables = defining?.GroupVariables ?? members.First().Variables;
            clusters.Add(new ClusterSource(name, variables, [.. members], defining?.GroupLocation ?? members.First().Location)
            {
                Provider = Provider(variables, hosts),
            });
        }

        foreach (var orphan in hosts.Where(h => h.Variables.Value("pg_cluster") is null && h.Variables["pg_seq"] is not null))
        {
            diagnostics.Error(orphan.Location, $"host '{orphan.Address}' has pg_seq but no pg_cluster: set pg_cluster in its group's vars");
        }
        return [.. clusters];
    }

    /// <summary>The group a cluster's <c>pg_service_provider</c> names, with its hosts (those of its child groups too), in inventory order.</summary>
    private ProviderSource? Provider(VariableSet variables, List<HostSource> hosts)
    {
        if (variables["pg_service_provider"] is not { } variable || variables.Value("pg_service_provider")?.ToString() is not { Length: > 0 } group)
        {
            return null;
        }
        if (!_groups.Contains(group))
        {
            return new ProviderSource(variable, group, null);
        }
        var addresses = _occurrences.Where(o => o.Chain.Any(level => level.Name == group)).Select(o => o.Address).Distinct(StringComparer.Ordinal);
        return new ProviderSource(variable, group, [.. addresses.Select(a => hosts.First(h => h.Address == a))]);
    }
}
