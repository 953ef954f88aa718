using Pgway.Cli;

namespace Pgway.Tests.Cli;

/// <summary>Runs the pgway command line in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await PgwayCommand.RunAsync(args, CliContext.ForWriters(output, error));
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs the command line as on a terminal <paramref name="width"/> columns wide.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAtWidthAsync(int width, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = CliContext.ForWriters(output, error);
        context.Console.Profile.Width = width;
        var exitCode = await PgwayCommand.RunAsync(args, context);
        return (exitCode, output.ToString(), error.ToString());
    }
}
