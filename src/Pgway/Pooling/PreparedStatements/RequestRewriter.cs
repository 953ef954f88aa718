using System.Buffers.Binary;
using System.Text;
using Pgway.Protocol;

namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// A transaction-mode client's messages on their way to whichever server it holds: the names it gives
/// its prepared statements become the statements' shared server-side names (Parse, Bind, Describe,
/// Close); a statement the server does not have yet is prepared there first, the least recently used
/// one closed if the server's cache is full; a Parse of a statement the server has makes it afresh there;
/// a Close is answered by pgway. Every request is told to the <see cref="ResponseTracker"/> in order. Messages
/// without a statement name pass unchanged, and a read that changes nothing is forwarded as it is.
/// Used on the session's loop only.
/// </summary>
internal sealed partial class RequestRewriter
{
    // A longer statement or portal name is refused rather than buffered without end.
    private const int MaxNameLength = 64 * 1024;

    // Characters of a statement name decoded on the stack; a longer name is decoded into a rented array.
    private const int StackNameChars = 256;

    // An unnamed Parse longer than this is not kept to be made again on another server: its Bind in a
    // later transaction finds no unnamed statement, as if the client had none.
    private const int MaxUnnamedDefinition = 64 * 1024;

    private readonly StatementRegistry registry;
    private readonly ResponseTracker tracker;
    private readonly int capacity;
    private readonly bool mapNames;
    private readonly Func<string>? parseContext;
    private readonly bool sharedServers;
    // The client's unnamed statement: its definition (the Parse body after the empty name) while the
    // client has one, kept so that a server that lacks it gets it again before the client's Bind.
    private RentedBuffer unnamedDefinition = new();
    private RentedBuffer previousUnnamed = new();
    private bool hasUnnamed;
    private bool hadUnnamed;
    private bool unnamedTooLong;
    private bool capturingUnnamed;
    private long unnamedGeneration;
    // The settings it was parsed with (as a shared statement's parse context), and the previous one's;
    // null when not known (parsed while a request that could change them was unanswered).
    private string? unnamedContext;
    private string? previousUnnamedContext;
    // An Execute of the client's since its last Sync (or Query, or FunctionCall): a setting it changed
    // is reported only at the batch's ReadyForQuery, answered or not (after a Flush, say).
    private bool executeSinceSync;
    private readonly Dictionary<string, ClientStatement> names = new(StringComparer.Ordinal);
    // What the client's names hold, against its limits: names per statement (a definition counts
    // once, however many names share it), and the bytes of its names and distinct definitions.
    private readonly ClientStatementLimits limits;
    private readonly Dictionary<SharedStatement, int> namesPerStatement = [];
    private long heldBytes;
    // Names the client closed whose Close is not answered yet, and whether a Sync came since: an
    // error before the Close in its batch would skip it (and the name would stay), so a message after
    // that Sync naming it waits until the server's answers tell.
    private readonly Dictionary<string, (ClientStatement Closed, bool PastSync)> closing = new(StringComparer.Ordinal);
    private string? heldForClose;
    // A Parse waits for an earlier batch's Parse of the same statement to be answered.
    private bool heldForParse;
    // A Parse (or a Bind or Describe whose statement pgway makes on the server) waits for the client's
    // requests that may change its settings to be answered.
    private bool heldForSettings;
    // A Bind or Describe is held back until the server it goes to has told the description of its
    // statement (see ClientStatement); set while it is, and once it was asked for that message.
    private bool learnAsked;
    private readonly RentedBuffer replacement = new();
    // A server-side name no statement has (pgway's numbered names have the registry's random tag):
    // what pgway closes in place of a client's Close (WriteStandInClose).
    private readonly byte[] standInCloseName;
    // The start of a message split at the end of a read, kept for the next; and the two joined.
    private RentedBuffer pending = new();
    private RentedBuffer joined = new();
    private int passRemaining;
    // The rest of the message being passed is dropped instead (a Bind replaced whole).
    private bool dropRest;

    /// <param name="registry">The pooler's shared statements.</param>
    /// <param name="tracker">Told every request, in order.</param>
    /// <param name="capacity"><c>max_prepared_statements</c>: statements per server.</param>
    /// <param name="mapNames">Whether named statements are mapped to shared server names (transaction and statement modes with <c>max_prepared_statements</c>).</param>
    /// <param name="sharedServers">Whether the client's server is lent to others between transactions, so the client's unnamed statement must be made again where it is missing.</param>
    /// <param name="parseContext">The client's settings that change what a query text means, now: part of a shared statement's identity.</param>
    /// <param name="limits">What the client's named statements may hold.</param>
    public RequestRewriter(StatementRegistry registry, ResponseTracker tracker, int capacity, bool mapNames = true, bool sharedServers = true, Func<string>? parseContext = null, ClientStatementLimits limits = default)
    {
        this.limits = limits;
        this.parseContext = parseContext;
        this.registry = registry;
        this.tracker = tracker;
        this.capacity = capacity;
        this.mapNames = mapNames;
        this.sharedServers = sharedServers;
        standInCloseName = System.Text.Encoding.UTF8.GetBytes($"{registry.ServerNamePrefix}closed\0");
        tracker.ParseFailed = ForgetFailed;
        tracker.CloseAnswered = ForgetClosed;
        tracker.CloseSkipped = KeepClosed;
        tracker.UnnamedParseEnded = UnnamedParseEnded;
    }

    /// <summary>The client's last ReadyForQuery said its transaction block failed.</summary>
    public Func<bool>? InFailedTransaction { get; set; }

    /// <summary>Statement names the client has now.</summary>
    public int Count => names.Count;

    /// <summary>Bytes the client's names hold: each name, and each distinct definition once.</summary>
    public long HeldBytes => heldBytes;

    /// <summary>A new server's cache of statements, at most <c>max_prepared_statements</c>.</summary>
    public ServerStatements NewServerCache() => new(registry, capacity);

    /// <summary>
    /// What the server gets for one read of the client's (<paramref name="input"/>): the same bytes when
    /// nothing changes, else <paramref name="output"/>'s; valid until <see cref="Sent"/>. The start of a
    /// message split at the end of the read is held back until the rest comes.
    /// </summary>
    /// <exception cref="PostgresProtocolException">A statement or portal name longer than pgway follows.</exception>
    public ReadOnlyMemory<byte> Rewrite(ReadOnlyMemory<byte> input, RentedBuffer output)
    {
        var source = input;
        if (pending.Length > 0)
        {
            // The rest of a message split at the end of the last read: joined to it, once there is
            // enough to go on (a long Parse may take many reads).
            pending.Append(input.Span);
            var needed = NeededToStart(pending.Written.Span);
            if (needed < 0 || pending.Length < needed)
            {
                ThrowIfNamesTooLong(pending.Written.Span);
                return ReadOnlyMemory<byte>.Empty;
            }
            (pending, joined) = (joined, pending);
            source = joined.Written;
        }
        var data = source.Span;
        var position = 0;
        var segmentStart = 0;
        var changed = false;
        var end = data.Length;
        // Only between messages: not in the middle of a body the last read left unfinished.
        if (passRemaining == 0 && !tracker.IgnoringUntilSync && tracker.Server is { Dropped.Count: > 0 })
        {
            CloseDropped(output);
            changed = true;
        }
        while (position < data.Length)
        {
            if (passRemaining > 0)
            {
                var take = Math.Min(passRemaining, data.Length - position);
                if (capturingUnnamed)
                {
                    CaptureUnnamed(data.Slice(position, take), last: take == passRemaining);
                }
                if (dropRest)
                {
                    output.Append(data[segmentStart..position]);
                    segmentStart = position + take;
                    changed = true;
                }
                position += take;
                passRemaining -= take;
                dropRest &= passRemaining > 0;
                continue;
            }
            var rest = data[position..];
            if (rest.Length < MessageHeader.Size)
            {
                end = position;
                break;
            }
            var whole = BinaryPrimitives.ReadInt32BigEndian(rest[1..]) + 1;
            if (!IsDeciding(rest[0]))
            {
                Expect(rest[0]);
                passRemaining = whole - MessageHeader.Size;
                position += MessageHeader.Size;
                continue;
            }
            var deciding = NeededToStart(rest);
            if (deciding < 0 || deciding > rest.Length)
            {
                ThrowIfNamesTooLong(rest);
                end = position;
                break;
            }
            if (Handle(rest[..deciding]))
            {
                output.Append(data[segmentStart..position]);
                output.Append(replacement.Written.Span);
                changed = true;
                if (AwaitingLearn)
                {
                    // This message waits for the description asked for ahead of it: it and what
                    // follows are kept until the caller has it and calls again.
                    replacement.Reset();
                    segmentStart = position;
                    end = position;
                    break;
                }
                segmentStart = position + deciding;
            }
            // A Parse, Bind, Describe or Close (done with: counted once) fails a COPY it comes inside.
            tracker.ClientEndedAnyCopy();
            learnAsked = false;
            contextAsked = false;
            heldForClose = null;
            heldForParse = false;
            heldForSettings = false;
            replacement.Reset();
            passRemaining = whole - deciding;
            dropRest &= passRemaining > 0;
            position += deciding;
        }
        if (end < data.Length)
        {
            pending.Append(data[end..]);
        }
        if (!changed)
        {
            return source[..end];
        }
        output.Append(data[segmentStart..end]);
        return output.Written;
    }

    /// <summary>
    /// What <see cref="Rewrite"/> returned ends with a Describe (and Flush) pgway needs answered before
    /// the client's next message can go: call <see cref="Rewrite"/> again, with nothing new, once the
    /// tracker has no <see cref="ResponseTracker.PendingLearns"/>.
    /// </summary>
    public bool AwaitingLearn { get; set; }

    /// <summary>What <see cref="Rewrite"/> returned has been sent: the joined copy, if any, goes back.</summary>
    public void Sent() => joined.Reset();

    /// <summary><c>DISCARD ALL</c> or <c>DEALLOCATE ALL</c> ran: the client's names are gone, as its statements would be.</summary>
    public void Forget()
    {
        foreach (var statement in names.Values)
        {
            registry.Release(statement.Statement);
        }
        names.Clear();
        namesPerStatement.Clear();
        heldBytes = 0;
    }

    /// <summary>The session ends: every name goes, and any buffer.</summary>
    public void Dispose()
    {
        Forget();
        if (contextSetter is not null)
        {
            registry.Release(contextSetter);
            contextSetter = null;
        }
        if (contextReader is not null)
        {
            registry.Release(contextReader);
            contextReader = null;
        }
        // Names closed whose Close was never answered: their references go with the session.
        foreach (var (closed, _) in closing.Values)
        {
            registry.Release(closed.Statement);
        }
        closing.Clear();
        pending.Reset();
        joined.Reset();
        replacement.Reset();
        unnamedDefinition.Reset();
        previousUnnamed.Reset();
    }

    // The messages that name a prepared statement, read far enough to decide before they go on.
    private static bool IsDeciding(byte type) => type is (byte)FrontendMessageCode.Parse or (byte)FrontendMessageCode.Bind
        or (byte)FrontendMessageCode.Describe or (byte)FrontendMessageCode.Close;

    // Bytes needed before the message at message[0] can go on: its header; the first byte of a
    // Parse's body (an unnamed statement streams on), all of a named Parse, Describe or Close; a
    // Bind up to the end of its statement name. -1: not known yet.
    private static int NeededToStart(ReadOnlySpan<byte> message)
    {
        if (message.Length < MessageHeader.Size)
        {
            return -1;
        }
        var whole = BinaryPrimitives.ReadInt32BigEndian(message[1..]) + 1;
        if (!IsDeciding(message[0]))
        {
            return MessageHeader.Size;
        }
        if (message[0] == (byte)FrontendMessageCode.Parse)
        {
            return message.Length == MessageHeader.Size ? -1 : message[MessageHeader.Size] == 0 ? MessageHeader.Size + 1 : whole;
        }
        if (message[0] != (byte)FrontendMessageCode.Bind)
        {
            return whole;
        }
        var body = message[MessageHeader.Size..Math.Min(message.Length, whole)];
        var portalEnd = body.IndexOf((byte)0);
        var statementEnd = portalEnd < 0 ? -1 : body[(portalEnd + 1)..].IndexOf((byte)0);
        if (statementEnd >= 0)
        {
            return MessageHeader.Size + portalEnd + 1 + statementEnd + 1;
        }
        // Malformed (no end to the names): decided whole, and the server says what is wrong.
        return body.Length >= whole - MessageHeader.Size ? whole : -1;
    }

    private static void ThrowIfNamesTooLong(ReadOnlySpan<byte> message)
    {
        if (message.Length > MessageHeader.Size + 2 * MaxNameLength && message[0] == (byte)FrontendMessageCode.Bind)
        {
            throw new PostgresProtocolException($"a Bind's portal or statement name is longer than pgway follows ({MaxNameLength} bytes)");
        }
    }

    // A request passing unchanged: what completes it is expected.
    private void Expect(byte type)
    {
        if ((FrontendMessageCode)type is not (FrontendMessageCode.CopyData or FrontendMessageCode.Flush or FrontendMessageCode.Sync))
        {
            // Before the request is expected: a COPY it begins starts after it.
            tracker.ClientEndedAnyCopy();
        }
        switch ((FrontendMessageCode)type)
        {
            case FrontendMessageCode.Sync when tracker.ClientInCopyIn:
                // Read by the COPY under way, which ignores it (unless the COPY fails before it).
                tracker.SyncReadByCopy();
                break;
            case FrontendMessageCode.Sync:
                executeSinceSync = false;
                tracker.Expect(new(RequestKind.Sync, CompletionHandling.Forward));
                if (closing.Count > 0)
                {
                    foreach (var name in closing.Keys.ToList())
                    {
                        closing[name] = (closing[name].Closed, true);
                    }
                }
                break;
            case FrontendMessageCode.Execute when !tracker.IgnoringUntilSync:
                executeSinceSync = true;
                tracker.Expect(new(RequestKind.Execute, CompletionHandling.Forward));
                break;
            case FrontendMessageCode.Query or FrontendMessageCode.FunctionCall when tracker.IgnoringUntilSync:
                // Skipped by the server, which reads on to the batch's Sync: never answered.
                tracker.RequestDropped?.Invoke();
                break;
            case FrontendMessageCode.Query:
                // A simple Query drops the unnamed statement, the client's and the server's.
                NoUnnamed();
                executeSinceSync = false;
                tracker.Expect(new(RequestKind.UntilReady, CompletionHandling.Forward));
                break;
            case FrontendMessageCode.FunctionCall:
                executeSinceSync = false;
                tracker.Expect(new(RequestKind.UntilReady, CompletionHandling.Forward));
                break;
        }
    }

    // A Parse, Bind, Describe or Close (up to what decides it): true when what the server gets instead
    // is in `replacement` (possibly nothing); false to pass it unchanged.
    private bool Handle(ReadOnlySpan<byte> message)
    {
        var type = (FrontendMessageCode)message[0];
        var body = message[MessageHeader.Size..];
        if (tracker.IgnoringUntilSync)
        {
            // The server skips it (an error came before the batch's Sync) and answers nothing.
            return false;
        }
        switch (type)
        {
            case FrontendMessageCode.Parse:
                return HandleParse(body);
            case FrontendMessageCode.Bind:
                return HandleBind(message);
            case FrontendMessageCode.Describe:
                return HandleDescribeOrClose(body, RequestKind.Describe);
            default:
                return HandleDescribeOrClose(body, RequestKind.Close);
        }
    }

    private bool HandleParse(ReadOnlySpan<byte> body)
    {
        var nameEnd = body.IndexOf((byte)0);
        if (nameEnd == 0 && sharedServers)
        {
            // The unnamed statement: as it is, and kept for servers that will lack it.
            BeginUnnamed();
            tracker.Expect(new(RequestKind.Parse, CompletionHandling.Forward, ClientName: "", UnnamedGeneration: unnamedGeneration));
            return false;
        }
        if (nameEnd <= 0 || !mapNames)
        {
            // The unnamed statement (or a malformed Parse, which the server refuses): as it is.
            tracker.Expect(new(RequestKind.Parse, CompletionHandling.Forward));
            return false;
        }
        if (parseContext is not null && SettingsMayChange)
        {
            // The statement is known by the settings it is parsed under, and an earlier request still
            // unanswered may change them (a pipelined set_config('DateStyle', …)): the server parses
            // this after it, and pgway learns the new value only with its answers. Made under the
            // older value on another server, a date literal read MDY where the client set DMY (seed
            // 7004360). Held until those are answered.
            heldForSettings = true;
            AwaitingLearn = true;
            return true;
        }
        if (AskContextIfUnknown())
        {
            return true;
        }
        var definition = body[(nameEnd + 1)..];
        var context = parseContext is null ? "" : CurrentContext();
        var name = Encoding.UTF8.GetString(body[..nameEnd]);
        // Checked before the statement is made: a refused definition is never copied.
        if (OverLimit(name, definition, context) is { } refusal)
        {
            Refuse(refusal);
            return true;
        }
        var statement = registry.Acquire(definition, context);
        var server = tracker.Server!;
        if (server.Touch(statement) && !server.IsConfirmed(statement) && tracker.ParseUnansweredBeforeSync(statement))
        {
            // Parsed in an earlier batch still unanswered: whether the server will have it (that Parse
            // may be skipped after an error) is known once everything before is answered, and what
            // this Parse must send depends on it. Held until then; handled afresh.
            registry.Release(statement);
            heldForParse = true;
            AwaitingLearn = true;
            return true;
        }
        if (server.Touch(statement) && !tracker.AwaitsReady && InFailedTransaction?.Invoke() == true)
        {
            // Known failed, nothing before it unanswered (a ROLLBACK still under way would make the
            // status stale, seed 6000321; then the Parse below goes as it is, and the server says).
            // PostgreSQL refuses a Parse inside a failed transaction block (25P02) and keeps the name
            // as it was: the server says so, in the Parse's place.
            registry.Release(statement);
            FailInAbortedTransaction();
            return true;
        }
        if (RemoveName(name) is { } previous)
        {
            // PostgreSQL refuses a name in use; a pooler that lends servers cannot tell in time, so
            // the newer definition wins (as PgBouncer does).
            registry.Release(previous.Statement);
        }
        var client = new ClientStatement(statement);
        AddName(name, client);
        if (server.Touch(statement))
        {
            // PostgreSQL analyses every Parse afresh. The server's copy may predate a DDL that changed
            // its result type, and a Describe or Bind of it would then fail with 0A000 where the
            // client's new statement works (seed 3002086); it is closed and parsed again. Other
            // clients' names for it are compared with its new description at their next use.
            WriteClose(statement);
            server.Remove(statement);
        }
        Prepare(statement, server, CompletionHandling.Forward, name);
        RecordResultType(client);
        return true;
    }

    // A Parse of the statement under its server name (the least recently used one closed first if
    // the server's cache is full); the client sees its completion only if it asked for the Parse.
    // Under the settings the client parsed it with (RequestRewriter.ParseContext.cs).
    private void Prepare(SharedStatement statement, ServerStatements server, CompletionHandling handling, string? clientName = null)
    {
        var restore = EnterParseContext(statement, server);
        if (server.Dropped.Remove(statement))
        {
            // Still on the server (its Close was skipped after an error, and not sent again yet: the
            // Parse comes in the same read as the batch's Sync): closed first, or the Parse meets 42P05.
            WriteClose(statement);
        }
        if (server.Add(statement) is { } evicted)
        {
            WriteClose(evicted);
        }
        WriteHeader((byte)FrontendMessageCode.Parse, 4 + statement.ServerNameBytes.Length + statement.DefinitionLength);
        replacement.Append(statement.ServerNameBytes);
        replacement.Append(statement.Definition);
        tracker.Expect(new(RequestKind.Parse, handling, statement, clientName));
        if (restore is not null)
        {
            RunSetter(contextSetter!, restore);
        }
    }

    // Statements a plan-changed error dropped: closed on the server before anything else goes.
    private void CloseDropped(RentedBuffer output)
    {
        var dropped = tracker.Server!.Dropped;
        foreach (var statement in dropped)
        {
            WriteClose(statement);
        }
        dropped.Clear();
        output.Append(replacement.Written.Span);
        replacement.Reset();
    }

    private void WriteClose(SharedStatement statement)
    {
        WriteHeader((byte)FrontendMessageCode.Close, 4 + 1 + statement.ServerNameBytes.Length);
        replacement.Append("S"u8);
        replacement.Append(statement.ServerNameBytes);
        tracker.Expect(new(RequestKind.Close, CompletionHandling.Skip, statement));
    }

    // The client's Close of a statement the servers keep for others: a Close of a name no server
    // statement has goes in its place, so that its CloseComplete comes from the server, in order. An
    // answer pgway made itself went ahead of the server's (the ReadyForQuery of a Sync a failed COPY
    // had not read, seed 46009336), and a Close sent inside a COPY FROM STDIN fails it, as the
    // client's own would.
    private void WriteStandInClose(string? closedName, ClientStatement? client)
    {
        WriteHeader((byte)FrontendMessageCode.Close, 4 + 1 + standInCloseName.Length);
        replacement.Append("S"u8);
        replacement.Append(standInCloseName);
        tracker.Expect(new(RequestKind.Close, CompletionHandling.Forward, ClientName: closedName, Client: client));
    }

    private void WriteHeader(byte type, int length)
    {
        Span<byte> header = stackalloc byte[MessageHeader.Size];
        new MessageHeader(type, length - 4).WriteTo(header);
        replacement.Append(header);
    }
}
