namespace Pgway.Protocol;

/// <summary>
/// Follows the message boundaries of a byte stream that is forwarded as it arrives, without
/// buffering messages: it sees each message's header (even split across reads) and skips its
/// body, so a pooler learns what passes (a Sync, a ReadyForQuery and its status) at the cost of
/// reading 5 bytes per message. One scanner per direction of a connection.
/// </summary>
public struct MessageScanner
{
    private int bodyRemaining;
    private int headerHave;
    private long header;   // up to 5 header bytes, big-endian, accumulated across reads
    private bool wantStatus;

    /// <summary>
    /// Scans <paramref name="data"/>: tells <paramref name="observer"/> of each message whose header
    /// completes in it, and of each ReadyForQuery's status byte.
    /// </summary>
    /// <returns>Null, or the error when a header breaks the bound (a protocol violation).</returns>
    public string? Scan<TObserver>(ReadOnlySpan<byte> data, int maxBodyLength, TObserver observer)
        where TObserver : IMessageObserver
    {
        while (!data.IsEmpty)
        {
            if (wantStatus)
            {
                // The status byte of a ReadyForQuery whose body starts here.
                observer.OnReadyForQuery(data[0]);
                wantStatus = false;
            }
            if (bodyRemaining > 0)
            {
                var skip = Math.Min(bodyRemaining, data.Length);
                bodyRemaining -= skip;
                data = data[skip..];
                continue;
            }
            header = (header << 8) | data[0];
            headerHave++;
            data = data[1..];
            if (headerHave < MessageHeader.Size)
            {
                continue;
            }
            var type = (byte)(header >> 32);
            var length = (int)(uint)header;
            headerHave = 0;
            header = 0;
            if (length < 4 || length - 4 > maxBodyLength)
            {
                return $"invalid length {length} of message type 0x{type:X2} (must be 4 to {(long)maxBodyLength + 4})";
            }
            bodyRemaining = length - 4;
            observer.OnMessage(type, bodyRemaining);
            if (type == (byte)BackendMessageCode.ReadyForQuery && bodyRemaining == 1)
            {
                wantStatus = true;
            }
        }
        return null;
    }

    /// <summary>Between messages: no header or body is half read.</summary>
    public readonly bool AtBoundary => bodyRemaining == 0 && headerHave == 0 && !wantStatus;
}
