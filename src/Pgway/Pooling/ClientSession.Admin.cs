using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Pgway.Pooling.Admin;
using Pgway.Protocol;
using Pgway.Routing.Epoll;

namespace Pgway.Pooling;

// A client of the admin console (database pgbouncer or pgway): logged in as any client, then each
// simple Query is a console command, answered by pgway itself; no server is involved.
internal sealed partial class ClientSession
{
    // What PgBouncer 1.18 reports to console clients; tools that read the console (exporters) may look
    // at server_version, so pgway says the same.
    private static readonly KeyValuePair<string, string>[] ConsoleParameters =
    [
        new("server_version", "1.18.0/bouncer"),
        new("client_encoding", "UTF8"),
        new("server_encoding", "UTF8"),
        new("DateStyle", "ISO"),
        new("TimeZone", "GMT"),
        new("standard_conforming_strings", "on"),
        new("is_superuser", "on"),
    ];

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
        if (!loggedIn || ended)
        {
            return null;
        }
        var server = held is { } current && pool is { } mine
            ? ServerSnapshot.Of(current, mine, Id, new DateTimeOffset(Volatile.Read(ref lastClientTicks), TimeSpan.Zero))
            : null;
        var wait = awaitingAnswer ? TimeSpan.FromTicks(Math.Max(0, now.UtcTicks - Volatile.Read(ref queryStartTicks))) : TimeSpan.Zero;
        return new ClientSnapshot(Id, user, database, waiting is not null || cancelConnecting is not null, RemoteOf(rawClient), LocalOf(rawClient),
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
        var output = new ArrayBufferWriter<byte>();
        BackendMessages.AuthenticationOk(output);
        foreach (var (name, value) in ConsoleParameters)
        {
            BackendMessages.ParameterStatus(output, name, value);
        }
        cancelKey = pooler.NewCancelKey(this);
        var key = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(key, cancelKey.Value.Key);
        BackendMessages.BackendKeyData(output, cancelKey.Value.ProcessId, key);
        BackendMessages.ReadyForQuery(output, TransactionStatus.Idle);
        await client.SendAsync(output.WrittenMemory);
        return true;
    }

    // Each simple Query is one console command; the extended protocol gets an error (once per batch,
    // answered at its Sync), and the session goes on.
    private async Task ServeAdminAsync()
    {
        var console = new AdminConsole(pooler, Id, user, adminAccess!.Value);
        var shard = pooler.AdminStatistics.For(loop);
        var skippingBatch = false;
        pooler.AddAdminClient();
        try
        {
            while (!ended)
            {
                var (type, body) = await ReadClientMessageAsync();
                MarkClientActivity();
                var output = new ArrayBufferWriter<byte>();
                switch (type)
                {
                    case (byte)FrontendMessageCode.Terminate:
                        return;
                    case (byte)FrontendMessageCode.Query:
                        var started = Stopwatch.GetTimestamp();
                        shard.AddReceived(5 + body.Length);
                        var text = Encoding.UTF8.GetString(body.Span[..Math.Max(0, body.Length - 1)]);
                        var reply = await console.ExecuteAsync(text, pooler.Stopping);
                        await loop.SwitchTo();
                        reply.WriteTo(output);
                        BackendMessages.ReadyForQuery(output, TransactionStatus.Idle);
                        var now = Stopwatch.GetTimestamp();
                        shard.AddQuery(started, now);
                        shard.AddTransaction(started, now);
                        shard.AddSent(output.WrittenCount);
                        break;
                    case (byte)FrontendMessageCode.Sync:
                        skippingBatch = false;
                        BackendMessages.ReadyForQuery(output, TransactionStatus.Idle);
                        break;
                    case (byte)FrontendMessageCode.Flush:
                        break;
                    default:
                        if (!skippingBatch)
                        {
                            skippingBatch = true;
                            ErrorResponseWriter.Write(output, ErrorSeverity.Error, SqlState.ProtocolViolation, "extended query protocol not supported by admin console");
                            LogConsoleExtended(pooler.Logger, Id, user, (char)type);
                        }
                        break;
                }
                if (output.WrittenCount > 0)
                {
                    await client.SendAsync(output.WrittenMemory);
                }
            }
        }
        finally
        {
            pooler.RemoveAdminClient();
        }
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: admin console: client {Session} {User} sent an extended-protocol message ('{Type}'): refused")]
    private static partial void LogConsoleExtended(ILogger logger, long session, string user, char type);
}
