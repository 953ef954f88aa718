using System.Buffers.Binary;
using System.Text;
using Pgway.Protocol;

namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// A transaction-mode client's messages on their way to whichever server it holds: the names it gives
/// its prepared statements become the statements' shared server-side names (Parse, Bind, Describe,
/// Close); a statement the server does not have yet is prepared there first, the least recently used
/// one closed if the server's cache is full; a Parse of a statement the server has, and a Close, are
/// answered by pgway. Every request is told to the <see cref="ResponseTracker"/> in order. Messages
/// without a statement name pass unchanged, and a read that changes nothing is forwarded as it is.
/// Used on the session's loop only.
/// </summary>
internal sealed class RequestRewriter
{
    // A longer statement or portal name is refused rather than buffered without end.
    private const int MaxNameLength = 64 * 1024;

    private readonly StatementRegistry registry;
    private readonly ResponseTracker tracker;
    private readonly int capacity;
    private readonly Dictionary<string, SharedStatement> names = new(StringComparer.Ordinal);
    private readonly RentedBuffer replacement = new();
    // The start of a message split at the end of a read, kept for the next; and the two joined.
    private RentedBuffer pending = new();
    private RentedBuffer joined = new();
    private int passRemaining;

    public RequestRewriter(StatementRegistry registry, ResponseTracker tracker, int capacity)
    {
        this.registry = registry;
        this.tracker = tracker;
        this.capacity = capacity;
        tracker.ParseFailed = ForgetFailed;
    }

    /// <summary>Statement names the client has now.</summary>
    public int Count => names.Count;

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
                position += take;
                passRemaining -= take;
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
                segmentStart = position + deciding;
                changed = true;
            }
            replacement.Reset();
            passRemaining = whole - deciding;
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

    /// <summary>What <see cref="Rewrite"/> returned has been sent: the joined copy, if any, goes back.</summary>
    public void Sent() => joined.Reset();

    /// <summary><c>DISCARD ALL</c> or <c>DEALLOCATE ALL</c> ran: the client's names are gone, as its statements would be.</summary>
    public void Forget()
    {
        foreach (var statement in names.Values)
        {
            registry.Release(statement);
        }
        names.Clear();
    }

    /// <summary>The session ends: every name goes, and any buffer.</summary>
    public void Dispose()
    {
        Forget();
        pending.Reset();
        joined.Reset();
        replacement.Reset();
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
        switch ((FrontendMessageCode)type)
        {
            case FrontendMessageCode.Sync:
                tracker.Expect(new(RequestKind.Sync, CompletionHandling.Forward));
                break;
            case FrontendMessageCode.Execute when !tracker.IgnoringUntilSync:
                tracker.Expect(new(RequestKind.Execute, CompletionHandling.Forward));
                break;
            case FrontendMessageCode.Query or FrontendMessageCode.FunctionCall when !tracker.IgnoringUntilSync:
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
        if (nameEnd <= 0)
        {
            // The unnamed statement (or a malformed Parse, which the server refuses): as it is.
            tracker.Expect(new(RequestKind.Parse, CompletionHandling.Forward));
            return false;
        }
        var statement = registry.Acquire(body[(nameEnd + 1)..]);
        var name = Encoding.UTF8.GetString(body[..nameEnd]);
        if (names.Remove(name, out var previous))
        {
            // PostgreSQL refuses a name in use; a pooler that lends servers cannot tell in time, so
            // the newer definition wins (as PgBouncer does).
            registry.Release(previous);
        }
        names[name] = statement;
        var server = tracker.Server!;
        if (server.Touch(statement))
        {
            tracker.Expect(new(RequestKind.Parse, CompletionHandling.Fake, statement, name));
            return true;
        }
        Prepare(statement, server, CompletionHandling.Forward, name);
        return true;
    }

    // A Parse of the client's failed (or was skipped after an error): the name is not the client's after all.
    private void ForgetFailed(string name, SharedStatement statement)
    {
        if (names.TryGetValue(name, out var current) && current == statement)
        {
            names.Remove(name);
            registry.Release(statement);
        }
    }

    private bool HandleBind(ReadOnlySpan<byte> message)
    {
        var body = message[MessageHeader.Size..];
        var portalEnd = body.IndexOf((byte)0);
        var statement = portalEnd < 0 || body[^1] != 0 || body.Length - portalEnd <= 2 ? null : Lookup(body[(portalEnd + 1)..^1]);
        if (statement is null)
        {
            // Unnamed, or a name the client never prepared (the server says it does not exist).
            tracker.Expect(new(RequestKind.Bind, CompletionHandling.Forward));
            return false;
        }
        EnsurePrepared(statement);
        var whole = BinaryPrimitives.ReadInt32BigEndian(message[1..]) + 1;
        var length = whole - message.Length + MessageHeader.Size + portalEnd + 1 + statement.ServerNameBytes.Length - 1;
        WriteHeader((byte)FrontendMessageCode.Bind, length);
        replacement.Append(body[..(portalEnd + 1)]);
        replacement.Append(statement.ServerNameBytes);
        tracker.Expect(new(RequestKind.Bind, CompletionHandling.Forward, statement));
        return true;
    }

    private bool HandleDescribeOrClose(ReadOnlySpan<byte> body, RequestKind kind)
    {
        var named = body.Length > 2 && body[0] == (byte)'S' && body[^1] == 0;
        var statement = named ? Lookup(body[1..^1]) : null;
        if (kind == RequestKind.Close && named)
        {
            // The statement stays on the servers for other clients; only this client's name goes. A
            // name it does not have is no error (as in PostgreSQL).
            if (statement is not null && names.Remove(Encoding.UTF8.GetString(body[1..^1])))
            {
                registry.Release(statement);
            }
            tracker.Expect(new(RequestKind.Close, CompletionHandling.Fake));
            return true;
        }
        if (statement is null)
        {
            tracker.Expect(new(kind, CompletionHandling.Forward));
            return false;
        }
        EnsurePrepared(statement);
        WriteHeader((byte)FrontendMessageCode.Describe, 4 + 1 + statement.ServerNameBytes.Length);
        replacement.Append("S"u8);
        replacement.Append(statement.ServerNameBytes);
        tracker.Expect(new(RequestKind.Describe, CompletionHandling.Forward, statement));
        return true;
    }

    private SharedStatement? Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length > MaxNameLength)
        {
            return null;
        }
        Span<char> chars = stackalloc char[Encoding.UTF8.GetMaxCharCount(name.Length)];
        var count = Encoding.UTF8.GetChars(name, chars);
        return names.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..count], out var statement) ? statement : null;
    }

    // The statement on the server the client holds, prepared there first if it is not.
    private void EnsurePrepared(SharedStatement statement)
    {
        var server = tracker.Server!;
        if (!server.Touch(statement))
        {
            Prepare(statement, server, CompletionHandling.Skip);
        }
    }

    // A Parse of the statement under its server name (the least recently used one closed first if
    // the server's cache is full); the client sees its completion only if it asked for the Parse.
    private void Prepare(SharedStatement statement, ServerStatements server, CompletionHandling handling, string? clientName = null)
    {
        if (server.Add(statement) is { } evicted)
        {
            WriteClose(evicted);
        }
        WriteHeader((byte)FrontendMessageCode.Parse, 4 + statement.ServerNameBytes.Length + statement.Definition.Length);
        replacement.Append(statement.ServerNameBytes);
        replacement.Append(statement.Definition);
        tracker.Expect(new(RequestKind.Parse, handling, statement, clientName));
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
        tracker.Expect(new(RequestKind.Close, CompletionHandling.Skip));
    }

    private void WriteHeader(byte type, int length)
    {
        Span<byte> header = stackalloc byte[MessageHeader.Size];
        header[0] = type;
        BinaryPrimitives.WriteInt32BigEndian(header[1..], length);
        replacement.Append(header);
    }
}
