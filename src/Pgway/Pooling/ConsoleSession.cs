using System.Buffers;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Pgway.Pooling.Admin;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

/// <summary>
/// A logged-in client of the admin console (database pgbouncer or pgway): each simple Query is one
/// console command, answered by pgway itself, no server involved; the extended protocol gets an
/// error (once per batch, answered at its Sync), and the session goes on. Runs on the client's loop.
/// </summary>
internal sealed partial class ConsoleSession(Pooler pooler, EpollLoop loop, IConsoleClient client, AdminAccess access)
{
    /// <summary>
    /// What the console's greeting reports: PgBouncer 1.18's values, since tools that read the
    /// console (exporters) may look at server_version.
    /// </summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> Parameters =
    [
        new("server_version", "1.18.0/bouncer"),
        new("client_encoding", "UTF8"),
        new("server_encoding", "UTF8"),
        new("DateStyle", "ISO"),
        new("TimeZone", "GMT"),
        new("standard_conforming_strings", "on"),
        new("is_superuser", "on"),
    ];

    /// <summary>Answers the client's commands until it leaves (Terminate) or the session ends.</summary>
    public async Task ServeAsync()
    {
        var console = new AdminConsole(pooler, client.Id, client.UserName, access);
        var shard = pooler.AdminStatistics.For(loop);
        var skippingBatch = false;
        pooler.AddAdminClient();
        try
        {
            while (!client.Ending)
            {
                var (type, body) = await client.ReadMessageAsync();
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
                            LogConsoleExtended(pooler.Logger, client.Id, client.UserName, (char)type);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: admin console: client {Session} {User} sent an extended-protocol message ('{Type}'): refused")]
    private static partial void LogConsoleExtended(ILogger logger, long session, string user, char type);
}
