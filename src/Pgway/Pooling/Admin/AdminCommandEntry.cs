namespace Pgway.Pooling.Admin;

/// <summary>One verb of the console: who may run it, what argument it takes, what it does.</summary>
/// <param name="AdminOnly">Only <c>admin_users</c> may run it (stats_users may run SHOW).</param>
/// <param name="Argument">Whether it takes an argument (a database, a client, a SHOW subject).</param>
internal sealed record AdminCommandEntry(
    bool AdminOnly,
    AdminArgument Argument,
    Func<AdminConsole, AdminCommand, CancellationToken, Task<AdminReply>> Run);
