using System.Buffers.Binary;
using System.Text;
using Pgway.Differential.Wire;

namespace Pgway.Differential.Tests;

/// <summary>Backend messages built by hand, for the normaliser's and comparer's tables.</summary>
internal static class Backend
{
    public static BackendMessage Ready(char status = 'I') => new('Z', [(byte)status]);

    public static BackendMessage Parameter(string name, string value) => new('S', [.. CString(name), .. CString(value)]);

    public static BackendMessage Key(int pid, int secret)
    {
        var body = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(body, pid);
        BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(4), secret);
        return new('K', body);
    }

    public static BackendMessage Complete(string tag) => new('C', CString(tag));

    public static BackendMessage Error(string code, string message, string severity = "ERROR") =>
        new('E', [.. Field('S', severity), .. Field('V', severity), .. Field('C', code), .. Field('M', message), 0]);

    public static BackendMessage Notification(int pid, string channel, string payload)
    {
        var body = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(body, pid);
        return new('A', [.. body, .. CString(channel), .. CString(payload)]);
    }

    /// <summary>A RowDescription of one text column of table <paramref name="tableOid"/>.</summary>
    public static BackendMessage Row(string column, int tableOid)
    {
        var field = new byte[18];
        BinaryPrimitives.WriteInt32BigEndian(field, tableOid);
        BinaryPrimitives.WriteInt16BigEndian(field.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32BigEndian(field.AsSpan(6), 25);
        BinaryPrimitives.WriteInt16BigEndian(field.AsSpan(10), -1);
        BinaryPrimitives.WriteInt32BigEndian(field.AsSpan(12), -1);
        return new('T', [0, 1, .. CString(column), .. field]);
    }

    private static byte[] Field(char code, string value) => [(byte)code, .. CString(value)];

    private static byte[] CString(string text) => [.. Encoding.UTF8.GetBytes(text), 0];
}
