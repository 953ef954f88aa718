using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Pgway.Protocol;

namespace Pgway.Pooling.PreparedStatements;

// The Bind, Describe and Close of a named statement or portal, and the lookup of a client's name.
internal sealed partial class RequestRewriter
{
    private bool HandleBind(ReadOnlySpan<byte> message)
    {
        var body = message[MessageHeader.Size..];
        var portalEnd = body.IndexOf((byte)0);
        var unnamed = portalEnd >= 0 && body.Length - portalEnd == 2 && body[^1] == 0;
        if (unnamed && sharedServers && HoldForUnnamedParse())
        {
            return true;
        }
        if (unnamed && sharedServers && !OwnsServerUnnamed())
        {
            if (HoldForUnnamedContext())
            {
                return true;
            }
            // The server's unnamed statement is another client's, or none: the client's is made
            // there first (or, if it has none, the server's is closed, so the Bind fails as it would).
            EnsureUnnamed();
            replacement.Append(message);
            tracker.Expect(new(RequestKind.Bind, CompletionHandling.Forward));
            return true;
        }
        var named = mapNames && portalEnd >= 0 && body[^1] == 0 && body.Length - portalEnd > 2;
        if (named && HoldForClose(body[(portalEnd + 1)..^1]))
        {
            return true;
        }
        var client = named ? Lookup(body[(portalEnd + 1)..^1]) : null;
        if (client is null)
        {
            // Unnamed, or a name the client never prepared (the server says it does not exist).
            tracker.Expect(new(RequestKind.Bind, CompletionHandling.Forward));
            return false;
        }
        var statement = client.Statement;
        if (!CheckResultType(client))
        {
            return true;
        }
        if (client.Stale)
        {
            // Failed in its place; the rest of the client's Bind (its parameters) goes nowhere.
            replacement.Append(PlanChangedParse);
            dropRest = true;
            tracker.Expect(new(RequestKind.Bind, CompletionHandling.PlanChanged, statement));
            return true;
        }
        var name = statement.ServerNameBytes;
        var whole = BinaryPrimitives.ReadInt32BigEndian(message[1..]) + 1;
        var length = whole - message.Length + MessageHeader.Size + portalEnd + 1 + name.Length - 1;
        WriteHeader((byte)FrontendMessageCode.Bind, length);
        replacement.Append(body[..(portalEnd + 1)]);
        replacement.Append(name);
        tracker.Expect(new(RequestKind.Bind, CompletionHandling.Forward, statement));
        return true;
    }

    private bool HandleDescribeOrClose(ReadOnlySpan<byte> body, RequestKind kind)
    {
        var unnamed = body.Length == 2 && body[0] == (byte)'S' && body[1] == 0;
        if (unnamed && sharedServers)
        {
            if (kind == RequestKind.Close)
            {
                // Gone for the client; and the server's, whoever's it was.
                hasUnnamed = false;
                NoUnnamed();
            }
            else if (HoldForUnnamedParse())
            {
                return true;
            }
            else if (!OwnsServerUnnamed())
            {
                if (HoldForUnnamedContext())
                {
                    return true;
                }
                EnsureUnnamed();
                replacement.Append(MessageHeader.Message((byte)FrontendMessageCode.Describe, body));
                tracker.Expect(new(kind, CompletionHandling.Forward));
                return true;
            }
            tracker.Expect(new(kind, CompletionHandling.Forward));
            return false;
        }
        var named = mapNames && body.Length > 2 && body[0] == (byte)'S' && body[^1] == 0;
        // A Close too: if the earlier Close is skipped, the name comes back and this one closes it.
        if (named && HoldForClose(body[1..^1]))
        {
            return true;
        }
        var client = named ? Lookup(body[1..^1]) : null;
        if (kind == RequestKind.Close && named)
        {
            // The statement stays on the servers for other clients; only this client's name goes, at
            // once for what follows, for good once the Close is answered (an error before it in the
            // batch skips it, and the name comes back). A name it does not have is no error (as in PostgreSQL).
            var closedName = client is null ? null : Encoding.UTF8.GetString(body[1..^1]);
            if (closedName is not null)
            {
                RemoveName(closedName);
                closing[closedName] = (client!, false);
            }
            WriteStandInClose(closedName, client);
            return true;
        }
        if (client is null)
        {
            tracker.Expect(new(kind, CompletionHandling.Forward));
            return false;
        }
        if (!CheckResultType(client))
        {
            return true;
        }
        var statement = client.Statement;
        if (client.Stale)
        {
            replacement.Append(PlanChangedParse);
            tracker.Expect(new(RequestKind.Describe, CompletionHandling.PlanChanged, statement, Client: client));
            return true;
        }
        WriteHeader((byte)FrontendMessageCode.Describe, 4 + 1 + statement.ServerNameBytes.Length);
        replacement.Append("S"u8);
        replacement.Append(statement.ServerNameBytes);
        // The client's own Describe records what it was given.
        tracker.Expect(new(RequestKind.Describe, CompletionHandling.Forward, statement, Client: client));
        return true;
    }

    private ClientStatement? Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length > MaxNameLength)
        {
            return null;
        }
        // The client chooses the name's length (up to MaxNameLength): only a short one is decoded on the stack.
        var most = Encoding.UTF8.GetMaxCharCount(name.Length);
        char[]? rented = null;
        Span<char> chars = most <= StackNameChars ? stackalloc char[StackNameChars] : (rented = ArrayPool<char>.Shared.Rent(most));
        try
        {
            var count = Encoding.UTF8.GetChars(name, chars);
            return names.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..count], out var statement) ? statement : null;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
