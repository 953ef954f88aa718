using System.Net;
using Microsoft.Extensions.Logging;
using Pgway.Pooling.Admin;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

// A client of the admin console (database pgbouncer or pgway): logged in as any client (but only
// as a listed user), then served by a ConsoleSession; and what SHOW CLIENTS and KILL need of every
// session.
internal sealed partial class ClientSession : IConsoleClient
{
    private AdminAccess? adminAccess;

    /// <summary>The loop this session runs on: the admin console reads its state there.</summary>
    internal EpollLoop Loop => loop;

    /// <summary>A client of the admin console (set once it is logged in as one).</summary>
    internal bool IsAdmin => adminAccess is not null;

    internal string UserName => user;

    internal string DatabaseName => database;

    /// <summary>On the session's loop: what SHOW CLIENTS and SHOW SERVERS say of it; null while it logs in or once it has ended.</summary>
    internal ClientSnapshot? Describe(DateTimeOffset now)
    {
        var reading = status.Read();
        if (!reading.LoggedIn)
        {
            return null;
        }
        var server = held is { } current && pool is { } mine
            ? ServerSnapshot.Of(current, mine, Id, new DateTimeOffset(Volatile.Read(ref lastClientTicks), TimeSpan.Zero))
            : null;
        var wait = reading.AwaitingAnswer ? TimeSpan.FromTicks(Math.Max(0, now.UtcTicks - Volatile.Read(ref queryStartTicks))) : TimeSpan.Zero;
        return new ClientSnapshot(Id, user, database, reading.State == ClientState.WaitingForServer, RemoteOf(rawClient), LocalOf(rawClient),
            new DateTimeOffset(Volatile.Read(ref startedTicks), TimeSpan.Zero), new DateTimeOffset(Volatile.Read(ref lastClientTicks), TimeSpan.Zero),
            wait, parameters.GetValueOrDefault("application_name"), server, pool);
    }

    /// <summary>From any thread: the session ends with <paramref name="message"/> (KILL, KILL_CLIENT); its server is closed, not reused.</summary>
    internal void Kill(string message)
    {
        if (Interlocked.Exchange(ref expired, 1) == 0)
        {
            loop.Post(() => _ = ExpireAsync(DisconnectReason.KilledByAdmin, SqlState.AdminShutdown, message));
        }
    }

    // The user must be known with a secret, even with auth_type trust (as PgBouncer requires), and be
    // listed in admin_users or stats_users; auth_query is not used for the console.
    private async Task<bool> LogInAdminAsync(StartupPacket startup)
    {
        adminAccess = AdminAccess.Stats;
        if (!await TakeParametersAsync(startup))
        {
            return false;
        }
        // An unlisted user is challenged as a listed one is (AuthenticateAsync's mock), never refused at once.
        if (await AuthenticateAsync() is null)
        {
            return false;
        }
        adminAccess = AdminConsole.AccessOf(Settings, user);
        if (adminAccess is null)
        {
            LogConsoleRefused(pooler.Logger, Id, user);
            await RefuseAsync(DisconnectReason.LoginRefused, SqlState.InvalidAuthorizationSpecification, "not allowed");
            return false;
        }
        await GreetAsync(ConsoleSession.Parameters, own: null);
        return true;
    }

    bool IConsoleClient.Ending => Ended;

    string IConsoleClient.UserName => user;

    async Task<(byte Type, ReadOnlyMemory<byte> Body)> IConsoleClient.ReadMessageAsync()
    {
        var message = await ReadClientMessageAsync();
        MarkClientActivity();
        return message;
    }

    ValueTask IConsoleClient.SendAsync(ReadOnlyMemory<byte> data) => client.SendAsync(data);

    private static IPEndPoint? LocalOf(System.Net.Sockets.Socket socket)
    {
        try
        {
            return socket.LocalEndPoint as IPEndPoint;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: admin console: client {Session} {User} refused: not in admin_users or stats_users")]
    private static partial void LogConsoleRefused(ILogger logger, long session, string user);
}
