using System.Buffers.Binary;
using System.Text;

namespace Pgway.Differential.Wire;

/// <summary>Builds the frontend messages of the protocol (3.0) with readable renderings.</summary>
public static class Frontend
{
    public static FrontendMessage Query(string sql, bool answered = true) =>
        new('Q', CString(sql), $"Query {Quote(sql)}", answered ? 1 : 0);

    public static FrontendMessage Parse(string name, string sql, params int[] parameterTypes)
    {
        var body = new MemoryStream();
        body.Write(CString(name));
        body.Write(CString(sql));
        WriteInt16(body, parameterTypes.Length);
        foreach (var type in parameterTypes)
        {
            WriteInt32(body, type);
        }
        var types = parameterTypes.Length == 0 ? "" : $" types [{string.Join(", ", parameterTypes)}]";
        return new('P', body.ToArray(), $"Parse {Quote(name)} {Quote(sql)}{types}", 0, 1);
    }

    /// <summary>A Bind with text parameters (null is SQL NULL) and the given result format (0 text, 1 binary) for all columns.</summary>
    public static FrontendMessage Bind(string portal, string statement, IReadOnlyList<string?> parameters, short resultFormat = 0)
    {
        var body = new MemoryStream();
        body.Write(CString(portal));
        body.Write(CString(statement));
        WriteInt16(body, 0);
        WriteInt16(body, parameters.Count);
        foreach (var parameter in parameters)
        {
            if (parameter is null)
            {
                WriteInt32(body, -1);
            }
            else
            {
                var bytes = Encoding.UTF8.GetBytes(parameter);
                WriteInt32(body, bytes.Length);
                body.Write(bytes);
            }
        }
        WriteInt16(body, resultFormat == 0 ? 0 : 1);
        if (resultFormat != 0)
        {
            WriteInt16(body, resultFormat);
        }
        var values = parameters.Count == 0 ? "" : $" [{string.Join(", ", parameters.Select(p => p is null ? "NULL" : Quote(p)))}]";
        return new('B', body.ToArray(), $"Bind {Quote(portal)} {Quote(statement)}{values}{(resultFormat != 0 ? " binary results" : "")}", 0, 1);
    }

    public static FrontendMessage Describe(char kind, string name) =>
        new('D', [(byte)kind, .. CString(name)], $"Describe {(kind == 'S' ? "statement" : "portal")} {Quote(name)}", 0, 1);

    public static FrontendMessage Execute(string portal, int maxRows = 0)
    {
        var body = new MemoryStream();
        body.Write(CString(portal));
        WriteInt32(body, maxRows);
        return new('E', body.ToArray(), $"Execute {Quote(portal)}{(maxRows == 0 ? "" : $" max {maxRows} rows")}", 0, 1);
    }

    public static FrontendMessage Close(char kind, string name) =>
        new('C', [(byte)kind, .. CString(name)], $"Close {(kind == 'S' ? "statement" : "portal")} {Quote(name)}", 0, 1);

    /// <summary>A Sync; <paramref name="answered"/> false inside COPY IN, where PostgreSQL ignores it.</summary>
    public static FrontendMessage Sync(bool answered = true) => new('S', [], answered ? "Sync" : "Sync (inside COPY IN: ignored)", answered ? 1 : 0);

    public static FrontendMessage Flush() => new('H', [], "Flush");

    public static FrontendMessage Terminate() => new('X', [], "Terminate");

    public static FrontendMessage CopyData(string text) => new('d', Encoding.UTF8.GetBytes(text), $"CopyData {Quote(text)}");

    public static FrontendMessage CopyDone() => new('c', [], "CopyDone");

    public static FrontendMessage CopyFail(string reason) => new('f', CString(reason), $"CopyFail {Quote(reason)}");

    /// <summary>A FunctionCall of <paramref name="oid"/> with text arguments and a text result.</summary>
    public static FrontendMessage FunctionCall(int oid, string name, IReadOnlyList<string?> arguments)
    {
        var body = new MemoryStream();
        WriteInt32(body, oid);
        WriteInt16(body, 0);
        WriteInt16(body, arguments.Count);
        foreach (var argument in arguments)
        {
            if (argument is null)
            {
                WriteInt32(body, -1);
            }
            else
            {
                var bytes = Encoding.UTF8.GetBytes(argument);
                WriteInt32(body, bytes.Length);
                body.Write(bytes);
            }
        }
        WriteInt16(body, 0);
        return new('F', body.ToArray(), $"FunctionCall {oid} ({name}) [{string.Join(", ", arguments.Select(a => a is null ? "NULL" : Quote(a)))}]", 1);
    }

    /// <summary>A protocol 3.0 StartupMessage.</summary>
    public static byte[] Startup(IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var body = new MemoryStream();
        WriteInt32(body, 3 << 16);
        foreach (var (name, value) in parameters)
        {
            body.Write(CString(name));
            body.Write(CString(value));
        }
        body.WriteByte(0);
        var bytes = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, bytes.Length);
        body.ToArray().CopyTo(bytes, 4);
        return bytes;
    }

    public static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";

    private static byte[] CString(string text) => [.. Encoding.UTF8.GetBytes(text), 0];

    private static void WriteInt16(Stream stream, int value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, (short)value);
        stream.Write(bytes);
    }

    private static void WriteInt32(Stream stream, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }
}
