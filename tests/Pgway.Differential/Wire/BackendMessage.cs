using System.Buffers.Binary;
using System.Text;

namespace Pgway.Differential.Wire;

/// <summary>One message a client received, with readable renderings of its fields.</summary>
/// <param name="Type">The type byte.</param>
/// <param name="Body">The body after the length word.</param>
public sealed record BackendMessage(char Type, byte[] Body)
{
    /// <summary>True for ReadyForQuery.</summary>
    public bool IsReady => Type == 'Z';

    /// <summary>True for an ErrorResponse whose severity is FATAL or PANIC: the server closes after it.</summary>
    public bool IsFatal => Type == 'E' && Field('V') is "FATAL" or "PANIC";

    /// <summary>
    /// True for an answer that completes a message of an extended batch (see <see cref="FrontendMessage.Completions"/>).
    /// </summary>
    public bool IsCompletion => Type is '1' or '2' or '3' or 'T' or 'n' or 'C' or 's' or 'I';

    /// <summary>The name and value of a ParameterStatus.</summary>
    public (string Name, string Value) Parameter
    {
        get
        {
            var strings = Strings(Body);
            return (strings.ElementAtOrDefault(0) ?? "", strings.ElementAtOrDefault(1) ?? "");
        }
    }

    /// <summary>One field of an ErrorResponse or NoticeResponse ('C' SQLSTATE, 'M' message, 'V' severity…).</summary>
    public string? Field(char code) => Fields().FirstOrDefault(f => f.Code == code).Value;

    /// <summary>Every field of an ErrorResponse or NoticeResponse, in order.</summary>
    public IReadOnlyList<(char Code, string Value)> Fields()
    {
        var fields = new List<(char, string)>();
        var rest = Body.AsSpan();
        while (rest.Length > 1 && rest[0] != 0)
        {
            var end = rest[1..].IndexOf((byte)0);
            if (end < 0)
            {
                break;
            }
            fields.Add(((char)rest[0], Encoding.UTF8.GetString(rest.Slice(1, end))));
            rest = rest[(end + 2)..];
        }
        return fields;
    }

    /// <summary>A readable, complete rendering of the message (the comparison works on these).</summary>
    public override string ToString()
    {
        try
        {
            return Render();
        }
        catch (ArgumentOutOfRangeException)
        {
            return $"{Type} (malformed: {Convert.ToHexString(Body)})";
        }
    }

    private string Render()
    {
        var body = Body.AsSpan();
        switch (Type)
        {
            case 'R':
                return $"Authentication {BinaryPrimitives.ReadInt32BigEndian(body)}";
            case 'S':
                return $"ParameterStatus {Parameter.Name}={Frontend.Quote(Parameter.Value)}";
            case 'K':
                return "BackendKeyData";
            case 'Z':
                return $"ReadyForQuery {(char)body[0]}";
            case 'E':
            case 'N':
                return $"{(Type == 'E' ? "ErrorResponse" : "NoticeResponse")} {string.Join(" ", Fields().Select(f => $"{f.Code}:{Frontend.Quote(f.Value)}"))}";
            case 'T':
                return $"RowDescription [{string.Join(", ", Columns())}]";
            case 'D':
                return $"DataRow [{string.Join(", ", Values(body[2..], BinaryPrimitives.ReadInt16BigEndian(body)))}]";
            case 'C':
                return $"CommandComplete {Frontend.Quote(Strings(Body)[0])}";
            case 't':
                var count = BinaryPrimitives.ReadInt16BigEndian(body);
                var types = new List<int>(count);
                for (var i = 0; i < count; i++)
                {
                    types.Add(BinaryPrimitives.ReadInt32BigEndian(body[(2 + (4 * i))..]));
                }
                return $"ParameterDescription [{string.Join(", ", types)}]";
            case '1':
                return "ParseComplete";
            case '2':
                return "BindComplete";
            case '3':
                return "CloseComplete";
            case 'n':
                return "NoData";
            case 's':
                return "PortalSuspended";
            case 'I':
                return "EmptyQueryResponse";
            case 'G':
            case 'H':
            case 'W':
                return $"{(Type == 'G' ? "CopyInResponse" : Type == 'H' ? "CopyOutResponse" : "CopyBothResponse")} format {body[0]} columns {BinaryPrimitives.ReadInt16BigEndian(body[1..])}";
            case 'd':
                return $"CopyData {Frontend.Quote(Encoding.UTF8.GetString(body))}";
            case 'c':
                return "CopyDone";
            case 'A':
                // The sender's PID differs between any two runs; the channel and payload do not.
                var strings = Strings(Body[4..]);
                return $"NotificationResponse (pid) {strings[0]} {Frontend.Quote(strings.ElementAtOrDefault(1) ?? "")}";
            case 'V':
                return $"FunctionCallResponse {string.Join(", ", Values(body, 1))}";
            case 'v':
                return $"NegotiateProtocolVersion {Convert.ToHexString(body)}";
            default:
                return $"'{Type}' {Convert.ToHexString(body)}";
        }
    }

    // Table OIDs are left out: the runner recreates every client's tables for each path, so they differ.
    private List<string> Columns()
    {
        var body = Body.AsSpan();
        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        var columns = new List<string>(count);
        var at = 2;
        for (var i = 0; i < count; i++)
        {
            var end = body[at..].IndexOf((byte)0);
            var name = Encoding.UTF8.GetString(body.Slice(at, end));
            at += end + 1;
            var attribute = BinaryPrimitives.ReadInt16BigEndian(body[(at + 4)..]);
            var type = BinaryPrimitives.ReadInt32BigEndian(body[(at + 6)..]);
            var size = BinaryPrimitives.ReadInt16BigEndian(body[(at + 10)..]);
            var modifier = BinaryPrimitives.ReadInt32BigEndian(body[(at + 12)..]);
            var format = BinaryPrimitives.ReadInt16BigEndian(body[(at + 16)..]);
            at += 18;
            columns.Add($"{name}:{type}/{size}/{modifier}#{attribute}{(format == 0 ? "" : " binary")}");
        }
        return columns;
    }

    private static List<string> Values(ReadOnlySpan<byte> body, int count)
    {
        var values = new List<string>(count);
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body[at..]);
            at += 4;
            if (length < 0)
            {
                values.Add("NULL");
                continue;
            }
            var value = body.Slice(at, length);
            at += length;
            values.Add(IsText(value) ? Frontend.Quote(Encoding.UTF8.GetString(value)) : "0x" + Convert.ToHexString(value));
        }
        return values;
    }

    private static bool IsText(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b < 0x20 && b != '\n' && b != '\t')
            {
                return false;
            }
        }
        return true;
    }

    private static List<string> Strings(byte[] body)
    {
        var strings = new List<string>();
        var rest = body.AsSpan();
        while (rest.Length > 0)
        {
            var end = rest.IndexOf((byte)0);
            if (end < 0)
            {
                strings.Add(Encoding.UTF8.GetString(rest));
                break;
            }
            strings.Add(Encoding.UTF8.GetString(rest[..end]));
            rest = rest[(end + 1)..];
        }
        return strings;
    }
}
