using System.Collections.Immutable;
using System.Globalization;
using Pgway.Configuration;
using Pgway.Model;

namespace Pgway.Pooling.Admin;

/// <summary>The console's commands that change things: PAUSE, RESUME, RECONNECT, KILL, KILL_CLIENT, WAIT_CLOSE, RELOAD, SET.</summary>
internal static class AdminControl
{
    // How often PAUSE and WAIT_CLOSE look again (PgBouncer's janitor looks a few times a second too).
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>PAUSE [db]: new transactions queue; answered once no server of the pooler (or of db) is lent any more.</summary>
    public static async Task<AdminReply> PauseAsync(AdminConsole console, AdminCommand command, CancellationToken cancellationToken)
    {
        var pooler = console.Pooler;
        var database = command.Argument;
        if ((database is null ? pooler.PauseAll() : pooler.PauseDatabase(database)) is { } error)
        {
            return AdminReply.Failed(error);
        }
        // Until every transaction under way has ended, or a RESUME came meanwhile.
        await UntilAsync(pooler, () => !(database is null ? pooler.PausedAll : pooler.IsDatabasePaused(database))
            || pooler.PoolsOf(database).TrueForAll(p => p.Quiet), cancellationToken);
        return AdminReply.Done("PAUSE");
    }

    public static Task<AdminReply> ResumeAsync(AdminConsole console, AdminCommand command, CancellationToken cancellationToken) =>
        Answer((command.Argument is { } database ? console.Pooler.ResumeDatabase(database) : console.Pooler.ResumeAll()), "RESUME");

    public static Task<AdminReply> ReconnectAsync(AdminConsole console, AdminCommand command, CancellationToken cancellationToken) =>
        Answer(console.Pooler.Reconnect(command.Argument), "RECONNECT");

    public static Task<AdminReply> KillAsync(AdminConsole console, AdminCommand command, CancellationToken cancellationToken) =>
        command.Argument is { } database
            ? Answer(console.Pooler.Kill(database), "KILL")
            : Task.FromResult(AdminReply.Failed("a database is required"));

    /// <summary>KILL_CLIENT n (pgway's): the client numbered n in the log (or 0x… as SHOW CLIENTS' ptr) is told and closed.</summary>
    public static Task<AdminReply> KillClientAsync(AdminConsole console, AdminCommand command, CancellationToken cancellationToken)
    {
        var text = command.Argument!;
        var parsed = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id)
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
        return parsed
            ? Answer(console.Pooler.KillClient(id), "KILL_CLIENT")
            : Task.FromResult(AdminReply.Failed($"no such client: {text}"));
    }

    /// <summary>WAIT_CLOSE [db]: answered once the servers opened before a RECONNECT or KILL are all closed.</summary>
    public static async Task<AdminReply> WaitCloseAsync(AdminConsole console, AdminCommand command, CancellationToken cancellationToken)
    {
        var pooler = console.Pooler;
        var database = command.Argument;
        if (database is not null && !pooler.KnownDatabases().Contains(database))
        {
            return AdminReply.Failed($"no such database: {database}");
        }
        while (await OldServersAsync(pooler, database) > 0)
        {
            await Task.Delay(PollInterval, pooler.Time, cancellationToken);
        }
        return AdminReply.Done("WAIT_CLOSE");
    }

    /// <summary>RELOAD (under <c>pgway serve</c>): every service and pooler of the process, from one reading of the inventory; on errors the configuration in use stays.</summary>
    public static async Task<AdminReply> ReloadAsync(AdminConsole console, AdminCommand command, CancellationToken cancellationToken)
    {
        if (console.Pooler.Options.Control is not { } control)
        {
            return AdminReply.Failed("RELOAD is not possible: this pooler was not started from an inventory file");
        }
        // Reading files is no work for an epoll loop.
        return await Task.Run(() => control.ReloadAsync(cancellationToken), cancellationToken) is { } rejected
            ? AdminReply.Failed($"RELOAD failed: {rejected}; the configuration in use is kept")
            : AdminReply.Done("RELOAD");
    }

    /// <summary>
    /// SET key = value: one PgBouncer setting changed live, checked as in the inventory; lost at the
    /// next RELOAD, as in PgBouncer. Files (<c>auth_file</c>, <c>auth_hba_file</c>) are read at RELOAD
    /// only. A TLS setting reads its files again and applies to the next connection, or is refused
    /// with the reason (a file missing or not a certificate) and the TLS in use kept.
    /// </summary>
    public static async Task<AdminReply> SetAsync(AdminConsole console, AdminCommand command, CancellationToken cancellationToken)
    {
        var key = command.Argument!;
        if (key is "auth_file" or "auth_hba_file")
        {
            return AdminReply.Failed($"SET failed: {key} is read with the inventory: change it there and RELOAD");
        }
        if (PoolerSettingsReader.CheckLiveValue(key, command.Value!, out var error) is not { } value)
        {
            return AdminReply.Failed($"SET failed: {error}");
        }
        var pooler = console.Pooler;
        var options = pooler.Options;
        var old = options.Settings;
        var mode = key == "pool_mode" ? Enum.Parse<PoolMode>(value, ignoreCase: true) : old.PoolMode;
        ImmutableSortedDictionary<string, string> settings = key == "pool_mode" ? old.Settings : old.Settings.SetItem(key, value);
        // A new record, not `with`: PoolerSettings parses each value once, in its constructor.
        var next = options with { Settings = new PoolerSettings(mode, old.UseAuthQuery, old.SslMode, settings, old.Databases, old.Users) };
        PoolerReload reload;
        if (key.StartsWith("client_tls_", StringComparison.Ordinal) || key.StartsWith("server_tls_", StringComparison.Ordinal))
        {
            try
            {
                // Reading files is no work for an epoll loop.
                reload = await Task.Run(() => PoolerReload.Load(next), cancellationToken);
            }
            catch (InvalidOperationException e)
            {
                return AdminReply.Failed($"SET failed: {e.Message}; the TLS in use is kept");
            }
        }
        else
        {
            reload = PoolerReload.KeepingTls(next, pooler.Tls);
        }
        pooler.Reload(reload);
        return AdminReply.Done($"SET {key}={value}");
    }

    private static Task<AdminReply> Answer(string? error, string tag) => Task.FromResult(error is null ? AdminReply.Done(tag) : AdminReply.Failed(error));

    private static async Task UntilAsync(Pooler pooler, Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(PollInterval, pooler.Time, cancellationToken);
        }
    }

    // Servers that a RECONNECT or KILL marked: idle ones not yet closed, and those still lent.
    private static async Task<int> OldServersAsync(Pooler pooler, string? database)
    {
        var count = 0;
        foreach (var pool in pooler.PoolsOf(database))
        {
            count += pool.IdleOlderThan(pool.Generation);
        }
        foreach (var client in await pooler.ClientsAsync())
        {
            if (client.Server is { CloseNeeded: true } && (database is null || client.Database == database))
            {
                count++;
            }
        }
        return count;
    }
}
