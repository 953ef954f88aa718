using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Pgway.Pooling.Authentication;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

/// <summary>
/// PgBouncer's <c>auth_query</c>: the secret of a user pgway does not know is asked of the server,
/// logged in as <c>auth_user</c>, with the user's name as <c>$1</c> (Pigsty's
/// <c>SELECT username, password FROM monitor.pgbouncer_auth($1)</c>, a SECURITY DEFINER function
/// over pg_shadow). Each look-up is one short connection, a few at a time per database
/// (<see cref="AuthQueryGates"/>); answers are reused for a few seconds (<see cref="AuthQueryAnswers"/>).
/// </summary>
internal static partial class AuthQuery
{
    /// <summary>On <paramref name="loop"/>: the user's secret (password, MD5 hash or SCRAM verifier), null when the query finds no such user or no password.</summary>
    /// <remarks>A failure is logged with its cause; what the client is told is the caller's, and must not be the cause.</remarks>
    public static async Task<(AuthQueryOutcome Outcome, string? Secret)> LookUpAsync(Pooler pooler, EpollLoop loop, ServerCredentials authUser, string database, string query, string user)
    {
        if (pooler.AuthQueryAnswers.TryGet(database, authUser.User, user, out var known))
        {
            return (AuthQueryOutcome.Answered, known);
        }
        if (!await pooler.AuthQueryGates.EnterAsync(database, authUser.User, pooler.Stopping))
        {
            LogBusy(pooler.Logger, database, AuthQueryGates.Waiting);
            return (AuthQueryOutcome.Busy, null);
        }
        try
        {
            await loop.SwitchTo();
            // Asked meanwhile by a client that waited ahead of this one.
            if (pooler.AuthQueryAnswers.TryGet(database, authUser.User, user, out known))
            {
                return (AuthQueryOutcome.Answered, known);
            }
            var secret = await RunAsync(pooler, loop, authUser, database, query, user);
            pooler.AuthQueryAnswers.Add(database, authUser.User, user, secret);
            return (AuthQueryOutcome.Answered, secret);
        }
        catch (Exception e) when (e is ServerLoginException or SocketException or EndOfStreamException or PostgresProtocolException)
        {
            LogFailed(pooler.Logger, authUser.User, database, e.Message);
            return (AuthQueryOutcome.Failed, null);
        }
        finally
        {
            pooler.AuthQueryGates.Leave(database, authUser.User);
        }
    }

    private static async Task<string?> RunAsync(Pooler pooler, EpollLoop loop, ServerCredentials authUser, string database, string query, string user)
    {
        var server = await ServerConnector.ConnectAsync(pooler, loop, authUser, database);
        var timeout = pooler.Options.Settings.ServerConnectTimeout;
        using var deadline = new CancellationTokenSource(timeout, pooler.Time);
        using var stuck = deadline.Token.UnsafeRegister(_ => loop.Post(() => server.Attached?.CancelWaits()), null);
        try
        {
            var output = new ArrayBufferWriter<byte>();
            FrontendMessages.Parse(output, "", query);
            FrontendMessages.Bind(output, "", [user]);
            FrontendMessages.Execute(output);
            FrontendMessages.Sync(output);
            await server.Attached!.SendAsync(output.WrittenMemory);
            using var reader = new MessageStreamReader(new LoopStream(server.Attached));
            string? secret = null;
            string? error = null;
            while (true)
            {
                var (type, body) = await reader.ReadAsync(MessageHeader.SmallMessageLimit, pooler.Stopping);
                switch ((BackendMessageCode)type)
                {
                    case BackendMessageCode.DataRow when secret is null:
                        secret = SecondColumn(body.Span);
                        break;
                    case BackendMessageCode.ErrorResponse:
                        ErrorResponseReader.TryRead(body.Span, out var fields);
                        error = fields.GetValueOrDefault('M', "unknown error");
                        break;
                    case BackendMessageCode.ReadyForQuery:
                        await loop.SwitchTo();
                        output.ResetWrittenCount();
                        FrontendMessages.Terminate(output);
                        await server.Attached.SendAsync(output.WrittenMemory);
                        return error is null
                            ? secret is { Length: > 0 } ? secret : null
                            : throw new ServerLoginException(SqlState.InvalidAuthorizationSpecification, $"the query failed: {error}");
                }
            }
        }
        catch (Exception e) when (e is SocketException or EndOfStreamException or PostgresProtocolException
            || (e is OperationCanceledException && deadline.IsCancellationRequested))
        {
            var why = e is OperationCanceledException ? $"no answer within server_connect_timeout {timeout.TotalSeconds:0.#}s" : e.Message;
            throw new ServerLoginException(SqlState.ConnectionFailure, why);
        }
        finally
        {
            server.Close();
        }
    }

    // A DataRow's second column (password) as text; null for SQL NULL or a malformed row.
    private static string? SecondColumn(ReadOnlySpan<byte> row)
    {
        if (row.Length < 2 || BinaryPrimitives.ReadInt16BigEndian(row) < 2)
        {
            return null;
        }
        var rest = row[2..];
        for (var column = 0; column < 2; column++)
        {
            if (rest.Length < 4)
            {
                return null;
            }
            var length = BinaryPrimitives.ReadInt32BigEndian(rest);
            rest = rest[4..];
            if (length < 0)
            {
                if (column == 1)
                {
                    return null;
                }
                continue;
            }
            if (length > rest.Length)
            {
                return null;
            }
            if (column == 1)
            {
                return Encoding.UTF8.GetString(rest[..length]);
            }
            rest = rest[length..];
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: auth_query as {AuthUser} in database {Database} failed: {Error}; the client was told only that its password could not be checked")]
    private static partial void LogFailed(ILogger logger, string authUser, string database, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: auth_query in database {Database}: {Waiting} log-ins wait already; one more refused")]
    private static partial void LogBusy(ILogger logger, string database, int waiting);
}
