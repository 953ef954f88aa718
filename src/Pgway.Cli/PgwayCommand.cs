using System.CommandLine;
using Pgway.Cli.Commands;

namespace Pgway.Cli;

/// <summary>The <c>pgway</c> command line.</summary>
internal static class PgwayCommand
{
    public static RootCommand Create(CliContext context)
    {
        var root = new RootCommand("pgway: a PostgreSQL service gateway — stable service ports for an HA cluster");
        root.Subcommands.Add(CheckCommand.Create(context));
        root.Subcommands.Add(ServicesCommand.Create(context));
        root.Subcommands.Add(UrlsCommand.Create(context));
        root.Subcommands.Add(RenderCommand.Create(context));
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(AgentCommand.Create(context));
        root.Subcommands.Add(HealthCommand.Create(context));
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var parse = Create(context).Parse(args);
        var configuration = new InvocationConfiguration { Output = context.Output, Error = context.Error };
        if (parse.CommandResult.Command.Name == ServeCommand.Name)
        {
            // serve handles SIGTERM and Ctrl-C itself, to drain: the default would cut it short.
            configuration.ProcessTerminationTimeout = null;
        }
        return parse.InvokeAsync(configuration, cancellationToken);
    }
}
