using System.Globalization;
using Pgway.Protocol;

namespace Pgway.Pooling.Admin;

/// <summary>
/// pgway's console commands for planned switchovers: <c>SWITCHOVER cluster [TO member]</c> answers the steps
/// and their timings as rows (or the error that stopped it); <c>UNFENCE member [FORCE]</c> clears the fence a switchover
/// without Patroni leaves on the old primary; <c>SHOW SWITCHOVER</c> lists switchovers under way, fences and holds.
/// </summary>
internal static class AdminSwitchover
{
    private static readonly ColumnDescription[] StepColumns =
        [ColumnDescription.Text("step"), ColumnDescription.Text("at_ms"), ColumnDescription.Text("took_ms"), ColumnDescription.Text("detail")];

    private static readonly ColumnDescription[] StateColumns =
        [ColumnDescription.Text("kind"), ColumnDescription.Text("name"), ColumnDescription.Text("detail")];

    private const string NotHere = "SWITCHOVER needs pgway serve: this pooler runs on its own";

    public static async Task<AdminReply> SwitchoverAsync(AdminConsole console, AdminCommand command, CancellationToken cancellationToken)
    {
        if (console.Pooler.Options.Control is not { } control)
        {
            return AdminReply.Failed(NotHere);
        }
        // Not the client's token: a console client leaving must not stop a switchover half-way.
        var result = await control.SwitchoverAsync(command.Argument!, command.Value, Pgway.Switchover.SwitchoverOptions.Default, CancellationToken.None);
        if (!result.Succeeded)
        {
            return AdminReply.Failed($"SWITCHOVER failed: {result.Error}");
        }
        var rows = new List<string?[]>(result.Steps.Count);
        foreach (var step in result.Steps)
        {
            rows.Add([step.Name, Number(step.At), Number(step.Took), step.Detail]);
        }
        return AdminReply.Table(StepColumns, rows, "SWITCHOVER");
    }

    public static async Task<AdminReply> UnfenceAsync(AdminConsole console, AdminCommand command, CancellationToken cancellationToken) =>
        console.Pooler.Options.Control is not { } control ? AdminReply.Failed(NotHere)
            : await control.UnfenceAsync(command.Argument!, command.Value is not null, CancellationToken.None) is { } error ? AdminReply.Failed($"UNFENCE failed: {error}")
            : AdminReply.Done("UNFENCE");

    public static Task<AdminReply> Show(AdminConsole console)
    {
        var rows = new List<string?[]>();
        if (console.Pooler.Options.Control is { } control)
        {
            foreach (var (kind, name, detail) in control.SwitchoverState())
            {
                rows.Add([kind, name, detail]);
            }
        }
        return Task.FromResult(AdminReply.Table(StateColumns, rows));
    }

    private static string Number(double milliseconds) => milliseconds.ToString("0.0", CultureInfo.InvariantCulture);
}
