using Pgway.Model;
using Pgway.Pooling;

namespace Pgway.Hosting;

/// <summary>
/// The poolers' side of a reload, worked out before anything changes: each running pooler's next options with
/// their files read, what cannot be read (which rejects the reload), and what a reload cannot do (a warning).
/// </summary>
internal static class PoolerReloads
{
    /// <summary>Each running node pooler's new options, by instance name; a pooler added to or removed from the inventory is a warning (it needs a restart).</summary>
    public static (Dictionary<string, PoolerReload> Options, List<string> Errors, List<string> Warnings) ForNodes(
        IReadOnlyList<Cluster> clusters, IReadOnlyList<string> running, GatewayOptions options, string file)
    {
        var found = new Dictionary<string, PoolerReload>(StringComparer.Ordinal);
        var errors = new List<string>();
        var warnings = new List<string>();
        if (!options.RunPoolers)
        {
            return (found, errors, warnings);
        }
        foreach (var cluster in clusters)
        {
            foreach (var instance in cluster.Instances.Where(i => options.Nodes.Contains(i.Address) && PoolerSetup.IsEnabled(i)))
            {
                if (!running.Contains(instance.Name))
                {
                    warnings.Add($"{instance.Name}: its pooler starts at the next restart");
                    continue;
                }
                try
                {
                    found[instance.Name] = PoolerReload.Load(PoolerSetup.For(cluster, instance, file));
                }
                catch (InvalidOperationException e)
                {
                    errors.Add(e.Message);
                }
            }
        }
        warnings.AddRange(running.Where(name => !found.ContainsKey(name) && errors.Count == 0)
            .Select(name => $"{name}: no pooler in the inventory any more; it runs until the next restart"));
        return (found, errors, warnings);
    }

    /// <summary>
    /// Each <c>dest: pool</c> port that stays (a dest changed away from pool included: it pools until the restart)
    /// takes its cluster's new pooler settings as a node's pooler does.
    /// </summary>
    public static (List<(PoolService Service, PoolerReload Options)> Options, List<string> Errors) ForServices(
        IReadOnlyList<PoolService> running, IReadOnlyList<Cluster> clusters, ServiceDiff diff, string file)
    {
        var found = new List<(PoolService, PoolerReload)>();
        var errors = new List<string>();
        foreach (var pooled in running.Where(p => !diff.Removed.Contains(p.Route.Service)))
        {
            var service = diff.Changed.FirstOrDefault(c => c.Before == pooled.Route.Service)?.After is { IsPool: true } after ? after : pooled.Route.Service;
            try
            {
                found.Add((pooled, PoolerReload.Load(pooled.OptionsFor(clusters.First(c => c.Name == service.Cluster), service, file))));
            }
            catch (InvalidOperationException e)
            {
                errors.Add(e.Message);
            }
        }
        return (found, errors);
    }
}
