using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pgway.Cli.Commands;

/// <summary>
/// Whether a table fits the terminal: a table squeezed narrower than its natural width breaks words and
/// names mid-character (<c>pg-test-</c> / <c>primary</c>), so the commands switch to a list layout instead.
/// </summary>
internal static class NarrowLayout
{
    public static bool Fits(IAnsiConsole console, IRenderable table)
    {
        var width = console.Profile.Width;
        return table.Measure(RenderOptions.Create(console), width * 4).Max <= width;
    }
}
