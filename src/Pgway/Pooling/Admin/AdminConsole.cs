using System.Globalization;
using Pgway.Model;

namespace Pgway.Pooling.Admin;

/// <summary>
/// The console of one client (database <c>pgbouncer</c> or <c>pgway</c>): runs each command it
/// sends against the pooler, as PgBouncer 1.18 does (its column names and types, tags and
/// messages), and logs it once: SHOW at debug level (exporters run them every few seconds), every
/// other command and every refusal at information or warning level.
/// </summary>
internal sealed class AdminConsole(Pooler pooler, long session, string user, AdminAccess access)
{
    /// <summary>The console's database in SHOW results (PgBouncer's name; <c>pgway</c> is accepted as well to log in).</summary>
    public const string DatabaseName = "pgbouncer";

    public Pooler Pooler => pooler;

    /// <summary>The console client's own number (KILL_CLIENT of itself is allowed, as any other).</summary>
    public long Session => session;

    /// <summary>Admin for <c>admin_users</c>, stats for <c>stats_users</c>, null for anyone else (refused).</summary>
    public static AdminAccess? AccessOf(PoolerSettings settings, string user)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.AdminUsers.Contains(user) ? AdminAccess.Admin
            : settings.StatsUsers.Contains(user) ? AdminAccess.Stats
            : null;
    }

    public async Task<AdminReply> ExecuteAsync(string text, CancellationToken cancellationToken)
    {
        var command = AdminCommandParser.Parse(text);
        AdminReply reply;
        if (command is null || !AdminCommands.Verbs.TryGetValue(command.Verb, out var entry) || !Fits(entry, command))
        {
            reply = AdminReply.Failed($"invalid command '{text}', use SHOW HELP;");
        }
        else if (entry.AdminOnly && access != AdminAccess.Admin)
        {
            reply = AdminReply.Failed("admin access needed");
        }
        else
        {
            try
            {
                reply = await entry.Run(this, command, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                reply = AdminReply.Failed("pgway is stopping");
            }
        }
        Log(command?.Display ?? text, reply, isShow: command?.Verb == "SHOW");
        return reply;
    }

    private static bool Fits(AdminCommandEntry entry, AdminCommand command) => entry.Argument switch
    {
        AdminArgument.None => command.Argument is null,
        AdminArgument.Required => command.Argument is not null,
        _ => true,
    };

    private void Log(string command, AdminReply reply, bool isShow)
    {
        if (reply.Error is { } error)
        {
            Pooler.LogAdminRefused(pooler.Logger, user, session, command, error);
        }
        else if (isShow)
        {
            Pooler.LogAdminShow(pooler.Logger, user, session, command, reply.Outcome);
        }
        else
        {
            Pooler.LogAdminCommand(pooler.Logger, user, session, command, reply.Outcome);
        }
    }

    /// <summary>PgBouncer's time format in SHOW CLIENTS and SERVERS.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Flag(bool value) => value ? "1" : "0";

    /// <summary>A client's or server's <c>ptr</c>: its number in hexadecimal, as PgBouncer shows an address.</summary>
    public static string Pointer(long id) => "0x" + id.ToString("x", CultureInfo.InvariantCulture);
}
