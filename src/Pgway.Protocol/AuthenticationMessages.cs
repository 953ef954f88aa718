using System.Buffers.Binary;
using System.Text;

namespace Pgway.Protocol;

/// <summary>
/// Reads the bodies of the log-in exchange: a server's Authentication request (when pgway logs in
/// to a server) and a client's answers (when a client logs in to pgway). Each returns false on a
/// malformed body, which the caller answers as a protocol violation.
/// </summary>
public static class AuthenticationMessages
{
    /// <summary>An Authentication ('R') body: its code and what follows (salt, mechanisms or SASL data).</summary>
    public static bool TryReadRequest(ReadOnlySpan<byte> body, out AuthenticationCode code, out ReadOnlySpan<byte> data)
    {
        code = default;
        data = default;
        if (body.Length < 4)
        {
            return false;
        }
        code = (AuthenticationCode)BinaryPrimitives.ReadInt32BigEndian(body);
        data = body[4..];
        return true;
    }

    /// <summary>The mechanisms of AuthenticationSASL: C strings ended by an empty one.</summary>
    public static bool TryReadSaslMechanisms(ReadOnlySpan<byte> data, out List<string> mechanisms)
    {
        mechanisms = [];
        while (true)
        {
            if (!TryReadCString(ref data, out var mechanism))
            {
                return false;
            }
            if (mechanism.Length == 0)
            {
                return data.IsEmpty;
            }
            mechanisms.Add(mechanism);
        }
    }

    /// <summary>A PasswordMessage: one C string filling the body.</summary>
    public static bool TryReadPassword(ReadOnlySpan<byte> body, out string password) =>
        TryReadCString(ref body, out password) && body.IsEmpty;

    /// <summary>SASLInitialResponse: the mechanism chosen, then Int32 length (-1: none) and the client-first message.</summary>
    public static bool TryReadSaslInitialResponse(ReadOnlySpan<byte> body, out string mechanism, out byte[] data)
    {
        data = [];
        if (!TryReadCString(ref body, out mechanism) || body.Length < 4)
        {
            return false;
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(body);
        body = body[4..];
        if (length == -1 && body.IsEmpty)
        {
            return true;
        }
        if (length < 0 || length != body.Length)
        {
            return false;
        }
        data = body.ToArray();
        return true;
    }

    private static bool TryReadCString(ref ReadOnlySpan<byte> span, out string value)
    {
        var end = span.IndexOf((byte)0);
        if (end < 0)
        {
            value = "";
            return false;
        }
        value = Encoding.UTF8.GetString(span[..end]);
        span = span[(end + 1)..];
        return true;
    }
}
