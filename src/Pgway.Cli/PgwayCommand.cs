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
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(StatusCommand.Create(context));
        root.Subcommands.Add(SwitchoverCommand.Create(context));
        root.Subcommands.Add(UnfenceCommand.Create(context));
        root.Subcommands.Add(VipCommand.Create(context));
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var parse = Create(context).Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = context.Output,
            Error = context.Error,
            // Ctrl-C and SIGTERM cancel the command, which then stops what it runs (demo: three PostgreSQL
            // servers); System.CommandLine's default of 2 s would exit under it and leave them behind.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
        };
        if (parse.CommandResult.Command.Name == ServeCommand.Name)
        {
            // serve handles SIGTERM and Ctrl-C itself, to drain for --drain-timeout: a token cancelled
            // by the first signal would stop it at once.
            configuration.ProcessTerminationTimeout = null;
        }
        return parse.InvokeAsync(configuration, cancellationToken);
    }
}
