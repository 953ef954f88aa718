using System.Text;

namespace Pgway.Protocol;

/// <summary>Reads an ErrorResponse or NoticeResponse body: its fields by type byte.</summary>
public static class ErrorResponseReader
{
    /// <summary>The fields (S severity, V severity not localized, C SQLSTATE, M message, D detail, H hint, …); false when malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out Dictionary<char, string> fields)
    {
        fields = [];
        while (!body.IsEmpty)
        {
            var type = body[0];
            if (type == 0)
            {
                return body.Length == 1;
            }
            var end = body[1..].IndexOf((byte)0);
            if (end < 0)
            {
                return false;
            }
            fields[(char)type] = Encoding.UTF8.GetString(body.Slice(1, end));
            body = body[(end + 2)..];
        }
        return false;
    }
}
