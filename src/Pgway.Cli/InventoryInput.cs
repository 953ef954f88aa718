using Pgway.Configuration;
using Pgway.Model;

namespace Pgway.Cli;

/// <summary>Loads the inventory for a command, printing every problem; null means the command must stop.</summary>
internal static class InventoryInput
{
    public static Topology? Load(CliContext context, FileInfo file, bool showWarnings = true)
    {
        var result = InventoryLoader.LoadFile(file.ToString());
        foreach (var diagnostic in result.Diagnostics.Where(d => d.IsError || showWarnings))
        {
            context.Error.WriteLine(diagnostic.ToString());
        }
        if (result.HasErrors)
        {
            context.Error.WriteLine($"{file}: {result.Errors.Count()} error(s); run 'pgway check -c {file}' for details");
        }
        return result.Topology;
    }

    /// <summary>The clusters a command works on: all, or the one asked for (null with a message if unknown).</summary>
    public static IReadOnlyList<Cluster>? Select(CliContext context, Topology topology, string? cluster)
    {
        if (cluster is null)
        {
            return topology.Clusters;
        }
        if (topology.FindCluster(cluster) is { } found)
        {
            return [found];
        }
        var names = topology.Clusters.Select(c => c.Name).ToList();
        context.Error.WriteLine($"no cluster '{cluster}' in {topology.SourceFile}{Suggestions.DidYouMean(cluster, names)}; clusters: {string.Join(", ", names)}");
        return null;
    }
}
