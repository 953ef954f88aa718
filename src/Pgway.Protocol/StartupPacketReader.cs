using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Pgway.Protocol;

/// <summary>
/// Reads a client's start-up packet (no type byte: Int32 length, Int32 code, body) with bounded
/// length, so a client cannot make pgway buffer without limit before it has even logged in.
/// </summary>
public static class StartupPacketReader
{
    /// <summary>PostgreSQL's own limit for a start-up packet (MAX_STARTUP_PACKET_LENGTH).</summary>
    public const int MaxLength = 10_000;

    private const int HeaderLength = 8;

    public static StartupReadStatus TryRead(ref ReadOnlySequence<byte> buffer, out StartupPacket? packet, out string? error)
    {
        packet = null;
        error = null;
        if (buffer.Length < 4)
        {
            return StartupReadStatus.Incomplete;
        }
        Span<byte> lengthBytes = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(lengthBytes);
        var length = BinaryPrimitives.ReadInt32BigEndian(lengthBytes);
        if (length < HeaderLength || length > MaxLength)
        {
            error = $"invalid start-up packet length {length} (must be {HeaderLength} to {MaxLength} bytes)";
            return StartupReadStatus.Invalid;
        }
        if (buffer.Length < length)
        {
            return StartupReadStatus.Incomplete;
        }
        var bytes = buffer.Slice(0, length).ToArray();
        buffer = buffer.Slice(length);
        var code = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        var body = bytes.AsSpan(HeaderLength);
        switch (code)
        {
            case StartupRequestCode.SslRequest or StartupRequestCode.GssEncRequest when body.IsEmpty:
                packet = new StartupPacket(code == StartupRequestCode.SslRequest ? StartupPacketKind.SslRequest : StartupPacketKind.GssEncRequest, 0, [], 0, []);
                return StartupReadStatus.Complete;
            case StartupRequestCode.CancelRequest when body.Length >= 8 && body.Length <= 4 + 256:
                packet = new StartupPacket(StartupPacketKind.CancelRequest, 0, [], BinaryPrimitives.ReadInt32BigEndian(body), body[4..].ToArray());
                return StartupReadStatus.Complete;
            case StartupRequestCode.SslRequest or StartupRequestCode.GssEncRequest or StartupRequestCode.CancelRequest:
                error = $"malformed {(code == StartupRequestCode.CancelRequest ? "cancel" : "encryption")} request of {length} bytes";
                return StartupReadStatus.Invalid;
        }
        if (code >> 16 != StartupRequestCode.MajorVersion3)
        {
            error = $"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: pgway supports 3.0 to 3.2";
            return StartupReadStatus.Invalid;
        }
        if (!TryReadParameters(body, out var parameters, out error))
        {
            return StartupReadStatus.Invalid;
        }
        packet = new StartupPacket(StartupPacketKind.Startup, code, parameters, 0, []);
        return StartupReadStatus.Complete;
    }

    /// <summary>name\0value\0 pairs ended by one more \0; "user" is required.</summary>
    private static bool TryReadParameters(ReadOnlySpan<byte> body, out List<KeyValuePair<string, string>> parameters, out string? error)
    {
        parameters = [];
        error = null;
        while (true)
        {
            if (body.IsEmpty)
            {
                error = "start-up packet is not terminated by a zero byte";
                return false;
            }
            if (body[0] == 0)
            {
                if (body.Length != 1)
                {
                    error = "start-up packet has bytes after its terminator";
                    return false;
                }
                break;
            }
            var nameEnd = body.IndexOf((byte)0);
            var valueEnd = nameEnd < 0 ? -1 : body[(nameEnd + 1)..].IndexOf((byte)0);
            if (valueEnd < 0)
            {
                error = "start-up parameter is missing its value or terminator";
                return false;
            }
            var name = Encoding.UTF8.GetString(body[..nameEnd]);
            var value = Encoding.UTF8.GetString(body.Slice(nameEnd + 1, valueEnd));
            // A name given again: the last one wins, as in PostgreSQL, so that both never disagree
            // on who the user is (found by bench/fuzz, target startup).
            parameters.RemoveAll(p => p.Key == name);
            parameters.Add(new(name, value));
            body = body[(nameEnd + 1 + valueEnd + 1)..];
        }
        if (!parameters.Any(p => p.Key == "user" && p.Value.Length > 0))
        {
            error = "no PostgreSQL user name specified in start-up packet";
            return false;
        }
        return true;
    }
}
