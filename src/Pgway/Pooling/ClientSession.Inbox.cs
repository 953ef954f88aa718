using System.Buffers;
using Pgway.Protocol;

namespace Pgway.Pooling;

// The client's bytes before it is logged in (and a console client's, throughout), read whole
// message by whole message with bounds, and what the client pipelined after its log-in.
internal sealed partial class ClientSession
{
    // What has arrived during log-in and not been used yet: at most a start-up packet and a password
    // message. Empty until the client sends something, then grown as needed, so an idle client holds
    // no buffer and a typical start-up only a small one.
    private const int InboxLimit = StartupPacketReader.MaxLength + MessageHeader.SmallMessageLimit;
    private const int InboxFirstSize = 512;
    private byte[]? inbox = [];
    private int inboxStart;
    private int inboxEnd;

    // The client's next whole message (type and body), bounded as before log-in.
    private async Task<(byte Type, ReadOnlyMemory<byte> Body)> ReadClientMessageAsync()
    {
        while (true)
        {
            var buffered = inbox.AsSpan(inboxStart, inboxEnd - inboxStart);
            var status = MessageHeader.TryRead(buffered, MessageHeader.SmallMessageLimit, out var header, out var error);
            if (status == MessageReadStatus.Invalid)
            {
                throw new PostgresProtocolException(error!);
            }
            if (status == MessageReadStatus.Complete && buffered.Length >= header.TotalLength)
            {
                var body = inbox.AsMemory(inboxStart + MessageHeader.Size, header.BodyLength).ToArray();
                inboxStart += header.TotalLength;
                return (header.Type, body);
            }
            await ReceiveIntoInboxAsync();
        }
    }

    private async Task ReceiveIntoInboxAsync()
    {
        if (inboxStart > 0)
        {
            inbox.AsSpan(inboxStart, inboxEnd - inboxStart).CopyTo(inbox);
            inboxEnd -= inboxStart;
            inboxStart = 0;
        }
        if (inboxEnd == inbox!.Length)
        {
            if (inbox.Length == InboxLimit)
            {
                throw new PostgresProtocolException("too much data from the client before log-in completed");
            }
            if (inbox.Length == 0)
            {
                await client.WaitReadableAsync();
            }
            var grown = new byte[Math.Min(InboxLimit, Math.Max(InboxFirstSize, inbox.Length * 4))];
            inbox.AsSpan(0, inboxEnd).CopyTo(grown);
            inbox = grown;
        }
        while (true)
        {
            var read = client.TryReceive(inbox.AsSpan(inboxEnd));
            if (read > 0)
            {
                inboxEnd += read;
                return;
            }
            if (read == 0)
            {
                throw new EndOfStreamException("the client left during log-in");
            }
            await client.WaitReadableAsync();
        }
    }

    // Bytes the client sent right after logging in (pipelined), handed to the forwarding once.
    // Bytes read but not to be forwarded yet: they come back, before anything still unread, from TakeLeftover.
    private void HoldBack(ReadOnlySpan<byte> rest)
    {
        var remaining = inbox is null ? 0 : inboxEnd - inboxStart;
        var held = new byte[rest.Length + remaining];
        rest.CopyTo(held);
        inbox?.AsSpan(inboxStart, remaining).CopyTo(held.AsSpan(rest.Length));
        (inbox, inboxStart, inboxEnd) = (held, 0, held.Length);
    }

    private int TakeLeftover(byte[] buffer)
    {
        if (inbox is null)
        {
            return 0;
        }
        var count = Math.Min(inboxEnd - inboxStart, buffer.Length);
        inbox.AsSpan(inboxStart, count).CopyTo(buffer);
        inboxStart += count;
        if (inboxStart == inboxEnd)
        {
            // Logged in: the session holds no buffer of its own from now on.
            inbox = null;
        }
        return count;
    }
}
