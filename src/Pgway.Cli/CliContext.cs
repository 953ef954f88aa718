using Spectre.Console;

namespace Pgway.Cli;

/// <summary>Where a command writes: a rich console for people, plain writers for scripts and tests.</summary>
internal sealed class CliContext(IAnsiConsole console, TextWriter output, TextWriter error)
{
    public IAnsiConsole Console { get; } = console;

    /// <summary>Plain output (JSON, rendered files), never decorated.</summary>
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public static CliContext ForConsole()
    {
        var console = AnsiConsole.Console;
        if (System.Console.IsOutputRedirected)
        {
            // Redirected output has no width; tables wider than 80 columns would wrap mid-cell.
            console.Profile.Width = 200;
        }
        return new CliContext(console, System.Console.Out, System.Console.Error);
    }

    /// <summary>A context that writes plain text into the given writers, for tests.</summary>
    public static CliContext ForWriters(TextWriter output, TextWriter error)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return new CliContext(console, output, error);
    }
}
