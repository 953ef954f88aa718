using System.Collections.Frozen;

namespace Pgway.Pooling.Admin;

/// <summary>
/// The console's commands, looked up by verb, and SHOW's subjects, looked up by name: a new command
/// or a new SHOW is one entry here and its function.
/// </summary>
internal static class AdminCommands
{
    public static readonly FrozenDictionary<string, AdminCommandEntry> Verbs = new Dictionary<string, AdminCommandEntry>
    {
        ["SHOW"] = new(AdminOnly: false, AdminArgument.Required, ShowAsync),
        ["PAUSE"] = new(AdminOnly: true, AdminArgument.Optional, AdminControl.PauseAsync),
        ["RESUME"] = new(AdminOnly: true, AdminArgument.Optional, AdminControl.ResumeAsync),
        ["RECONNECT"] = new(AdminOnly: true, AdminArgument.Optional, AdminControl.ReconnectAsync),
        ["KILL"] = new(AdminOnly: true, AdminArgument.Optional, AdminControl.KillAsync),
        ["KILL_CLIENT"] = new(AdminOnly: true, AdminArgument.Required, AdminControl.KillClientAsync),
        ["WAIT_CLOSE"] = new(AdminOnly: true, AdminArgument.Optional, AdminControl.WaitCloseAsync),
        ["RELOAD"] = new(AdminOnly: true, AdminArgument.None, AdminControl.ReloadAsync),
        ["SET"] = new(AdminOnly: true, AdminArgument.Required, AdminControl.SetAsync),
        ["SWITCHOVER"] = new(AdminOnly: true, AdminArgument.Required, AdminSwitchover.SwitchoverAsync),
        ["UNFENCE"] = new(AdminOnly: true, AdminArgument.Required, AdminSwitchover.UnfenceAsync),
        ["SUSPEND"] = new(AdminOnly: true, AdminArgument.None, NotSupported),
        ["SHUTDOWN"] = new(AdminOnly: true, AdminArgument.None, NotSupported),
        ["DISABLE"] = new(AdminOnly: true, AdminArgument.Required, NotSupported),
        ["ENABLE"] = new(AdminOnly: true, AdminArgument.Required, NotSupported),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, Func<AdminConsole, Task<AdminReply>>> Shows = new Dictionary<string, Func<AdminConsole, Task<AdminReply>>>
    {
        ["HELP"] = AdminShowSettings.Help,
        ["VERSION"] = AdminShowSettings.Version,
        ["CONFIG"] = AdminShowSettings.Config,
        ["DATABASES"] = AdminShowSettings.Databases,
        ["USERS"] = AdminShowSettings.Users,
        ["POOLS"] = AdminShowPools.Pools,
        ["LISTS"] = AdminShowPools.Lists,
        ["STATS"] = AdminShowStats.Stats,
        ["STATS_TOTALS"] = AdminShowStats.Totals,
        ["STATS_AVERAGES"] = AdminShowStats.Averages,
        ["TOTALS"] = AdminShowStats.Overall,
        ["CLIENTS"] = AdminShowSockets.ClientsAsync,
        ["SERVERS"] = AdminShowSockets.ServersAsync,
        ["PREPARED_STATEMENTS"] = AdminShowPreparedStatements.Show,
        ["SWITCHOVER"] = AdminSwitchover.Show,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // An unknown subject is an invalid command, as in PgBouncer.
    private static Task<AdminReply> ShowAsync(AdminConsole console, AdminCommand command, CancellationToken cancellationToken) =>
        Shows.TryGetValue(command.Argument!, out var show)
            ? show(console)
            : Task.FromResult(AdminReply.Failed($"invalid command '{command.Text}', use SHOW HELP;"));

    private static Task<AdminReply> NotSupported(AdminConsole console, AdminCommand command, CancellationToken cancellationToken) =>
        Task.FromResult(AdminReply.Failed($"{command.Verb} is not supported by pgway's console"));
}
