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
    private bool capturing;

    /// <summary>
    /// Scans <paramref name="data"/>: tells <paramref name="observer"/> of each message whose header
    /// completes in it, and hands it the bodies it asks for.
    /// </summary>
    /// <returns>Null, or the error when a header breaks the bound (a protocol violation).</returns>
    public string? Scan<TObserver>(ReadOnlySpan<byte> data, int maxBodyLength, TObserver observer)
        where TObserver : IMessageObserver => Scan(data, maxBodyLength, observer, out _);

    /// <summary>
    /// As <see cref="Scan{TObserver}(ReadOnlySpan{byte}, int, TObserver)"/>, stopping right after a
    /// message whose body's last piece the observer answered with true.
    /// </summary>
    /// <param name="scanned">How many bytes of <paramref name="data"/> were scanned: all of them, unless the observer stopped the scan.</param>
    public string? Scan<TObserver>(ReadOnlySpan<byte> data, int maxBodyLength, TObserver observer, out int scanned)
        where TObserver : IMessageObserver => Scan(data, new UniformMessageLimit(maxBodyLength), observer, out scanned);

    /// <summary>
    /// As <see cref="Scan{TObserver}(ReadOnlySpan{byte}, int, TObserver, out int)"/>, each message
    /// bounded by its type (<see cref="FrontendMessageLimits"/> for what a client sends).
    /// </summary>
    public string? Scan<TObserver, TLimits>(ReadOnlySpan<byte> data, TLimits limits, TObserver observer, out int scanned)
        where TObserver : IMessageObserver
        where TLimits : IMessageLimits
    {
        var total = data.Length;
        scanned = total;
        while (!data.IsEmpty)
        {
            if (bodyRemaining > 0)
            {
                var take = Math.Min(bodyRemaining, data.Length);
                bodyRemaining -= take;
                var piece = data[..take];
                data = data[take..];
                if (capturing)
                {
                    var stop = observer.OnBody(piece, last: bodyRemaining == 0);
                    capturing = bodyRemaining > 0;
                    if (stop && !capturing && !data.IsEmpty)
                    {
                        scanned = total - data.Length;
                        return null;
                    }
                }
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
            var maxBodyLength = limits.MaxBodyLength(type);
            if (length < 4 || length - 4 > maxBodyLength)
            {
                return InvalidLength(type, length, maxBodyLength);
            }
            bodyRemaining = length - 4;
            if (observer.OnMessage(type, bodyRemaining))
            {
                if (bodyRemaining == 0)
                {
                    if (observer.OnBody([], last: true) && !data.IsEmpty)
                    {
                        scanned = total - data.Length;
                        return null;
                    }
                }
                else
                {
                    capturing = true;
                }
            }
        }
        return null;
    }

    // PostgreSQL's own words first ("invalid message length"), then what pgway saw.
    private static string InvalidLength(byte type, int length, int maxBodyLength)
    {
        var shown = type is >= 0x20 and < 0x7F ? $"'{(char)type}'" : $"0x{type:X2}";
        return $"invalid message length {(uint)length} of message type {shown} (must be 4 to {(long)maxBodyLength + 4})";
    }

    /// <summary>Between messages: no header or body is half read.</summary>
    public readonly bool AtBoundary => bodyRemaining == 0 && headerHave == 0;

    /// <summary>
    /// Where, relative to the start of the next scan, the next message's header starts: 0 between
    /// messages, the rest of the body when one is half read, minus the header bytes already read when
    /// a header is.
    /// </summary>
    public readonly int NextHeaderOffset => headerHave > 0 ? -headerHave : bodyRemaining;
}
