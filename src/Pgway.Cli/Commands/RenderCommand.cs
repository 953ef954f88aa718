using System.CommandLine;
using Pgway.Model;
using Pgway.Rendering;

namespace Pgway.Cli.Commands;

/// <summary><c>pgway render haproxy|pgservice|pgb-hba</c>: configuration for the tools pgway works beside, and the hba rules its pooler enforces.</summary>
internal static class RenderCommand
{
    public static Command Create(CliContext context)
    {
        var render = new Command("render", "Render configuration for other tools from the inventory");
        render.Subcommands.Add(Haproxy(context));
        render.Subcommands.Add(PgService(context));
        render.Subcommands.Add(PgbHba(context));
        return render;
    }

    private static Command PgbHba(CliContext context)
    {
        var config = CommonOptions.Config();
        var cluster = CommonOptions.Cluster();
        var node = new Option<string>("--node") { Description = "The node's address: its instance's pgb_hba.conf", Required = true };
        var command = new Command("pgb-hba", "The pgb_hba.conf Pigsty renders for a node's pooler, which pgway's pooler enforces") { config, node, cluster };
        command.SetAction(parse =>
        {
            if (InventoryInput.Load(context, parse.GetValue(config)!, showWarnings: false) is not { } topology
                || InventoryInput.Select(context, topology, parse.GetValue(cluster)) is not { } clusters)
            {
                return 1;
            }
            var address = parse.GetValue(node)!;
            var instances = clusters.SelectMany(c => c.Instances).Where(i => i.Address == address).ToList();
            if (instances.Count != 1)
            {
                context.Error.WriteLine(instances.Count == 0
                    ? $"no instance is on node '{address}' in {topology.SourceFile}"
                    : $"node '{address}' has instances of {instances.Count} clusters ({string.Join(", ", instances.Select(i => i.Cluster))}): choose one with --cluster");
                return 1;
            }
            // What the pooler would refuse to load is said, not hidden behind a file that looks fine.
            var problems = Pooling.Authentication.HbaFile.Parse(instances[0].PoolerHba).Diagnostics.Distinct().ToList();
            foreach (var problem in problems)
            {
                context.Error.WriteLine(problem.ToString());
            }
            context.Output.Write(instances[0].PoolerHba.Text);
            return problems.Any(p => p.IsError) ? 1 : 0;
        });
        return command;
    }

    private static Command Haproxy(CliContext context)
    {
        var config = CommonOptions.Config();
        var cluster = CommonOptions.Cluster();
        var node = new Option<string?>("--node") { Description = "Render for the node at this address: the services of every cluster it belongs to" };
        var command = new Command("haproxy", "An haproxy.cfg equivalent to Pigsty's: one listen section per service") { config, node, cluster };
        command.SetAction(parse =>
        {
            if (InventoryInput.Load(context, parse.GetValue(config)!, showWarnings: false) is not { } topology)
            {
                return 1;
            }
            var address = parse.GetValue(node);
            IReadOnlyList<Cluster>? clusters;
            if (address is not null)
            {
                // The services a node runs: its clusters', unless a pg_service_provider group runs them elsewhere.
                clusters = [.. topology.ClustersServedOn(address)];
                if (clusters.Count == 0 && !topology.ClustersOnNode(address).Any())
                {
                    context.Error.WriteLine($"no instance of any cluster is on node '{address}' in {topology.SourceFile}, and no cluster's pg_service_provider group lists it");
                    return 1;
                }
            }
            else
            {
                clusters = InventoryInput.Select(context, topology, parse.GetValue(cluster));
                if (clusters is null)
                {
                    return 1;
                }
                if (clusters.Count > 1)
                {
                    // Every cluster listens on the same default ports, so one haproxy cannot serve them all.
                    context.Error.WriteLine($"the inventory has {clusters.Count} clusters: choose one with --cluster, or a node with --node");
                    return 1;
                }
            }
            // The stats section is the node's own: its port, credentials and (as Pigsty names it) nodename.
            var nodeInstance = address is null ? clusters[0].Instances.FirstOrDefault()
                : topology.Clusters.SelectMany(c => c.Instances).FirstOrDefault(i => i.Address == address);
            var serviceNode = address is null ? null : topology.FindServiceNode(address);
            var statsPort = nodeInstance?.HaproxyExporterPort ?? serviceNode?.AdminPort ?? 9101;
            var statsAuth = nodeInstance is not null ? nodeInstance.AdminAuth : serviceNode?.AdminAuth;
            var label = (nodeInstance?.NodeName ?? serviceNode?.NodeName) is { Length: > 0 } nodename ? nodename
                : address ?? clusters[0].Name;
            context.Output.Write(HaproxyConfigRenderer.Render(clusters, topology.SourceFile, label, statsPort, statsAuth));
            return 0;
        });
        return command;
    }

    private static Command PgService(CliContext context)
    {
        var config = CommonOptions.Config();
        var cluster = CommonOptions.Cluster();
        var database = new Option<string?>("--db", "-d") { Description = "Write this dbname into every entry" };
        var command = new Command("pgservice", "A libpq pg_service.conf with one entry per service") { config, cluster, database };
        command.SetAction(parse =>
        {
            if (InventoryInput.Load(context, parse.GetValue(config)!, showWarnings: false) is not { } topology ||
                InventoryInput.Select(context, topology, parse.GetValue(cluster)) is not { } clusters)
            {
                return 1;
            }
            context.Output.Write(PgServiceRenderer.Render(clusters, topology.SourceFile, parse.GetValue(database)));
            return 0;
        });
        return command;
    }
}
