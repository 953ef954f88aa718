using System.CommandLine;
using Pgway.Configuration;
using Pgway.Pooling;

namespace Pgway.Cli.Commands;

/// <summary><c>pgway check</c>: validate an inventory and report every problem with its line.</summary>
internal static class CheckCommand
{
    public static Command Create(CliContext context)
    {
        var config = CommonOptions.Config();
        var command = new Command("check", "Validate an inventory: every error and warning with file and line; exit 1 on errors") { config };
        command.SetAction(parse => Run(context, parse.GetValue(config)!));
        return command;
    }

    private static int Run(CliContext context, FileInfo file)
    {
        var result = InventoryLoader.LoadFile(file.ToString());
        // The pgb_hba rules each pooler would enforce, parsed as the pooler parses them.
        var poolerHba = result.Topology is { } loaded ? PoolerSetup.Check(loaded) : [];
        foreach (var diagnostic in result.Diagnostics.Concat(poolerHba))
        {
            context.Error.WriteLine(diagnostic.ToString());
        }
        var errors = result.Errors.Count() + poolerHba.Count(d => d.IsError);
        var warnings = result.Warnings.Count() + poolerHba.Count(d => !d.IsError);
        if (result.Topology is { } topology && errors == 0)
        {
            context.Output.WriteLine(
                $"{file}: OK — {Count(topology.Clusters.Length, "cluster")}, {Count(topology.Clusters.Sum(c => c.Instances.Length), "instance")}, " +
                $"{Count(topology.Clusters.Sum(c => c.Services.Length), "service")}{(warnings > 0 ? $", {Count(warnings, "warning")}" : "")}");
            return 0;
        }
        context.Error.WriteLine($"{file}: {Count(errors, "error")}, {Count(warnings, "warning")}");
        return 1;
    }

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
