using System.Buffers;
using Pgway.Protocol;

namespace Pgway.Pooling.Admin;

/// <summary>
/// A console command's answer, before ReadyForQuery: a result (RowDescription, DataRows,
/// CommandComplete <c>SHOW</c>), a bare CommandComplete with the command's tag, or an ErrorResponse.
/// </summary>
internal sealed class AdminReply
{
    private readonly IReadOnlyList<ColumnDescription>? columns;
    private readonly List<string?[]>? rows;
    private readonly (string Message, string Detail)? notice;

    private AdminReply(string? tag, string? error, IReadOnlyList<ColumnDescription>? columns, List<string?[]>? rows, (string, string)? notice)
    {
        Tag = tag;
        Error = error;
        this.columns = columns;
        this.rows = rows;
        this.notice = notice;
    }

    /// <summary>The CommandComplete tag; null for an error.</summary>
    public string? Tag { get; }

    /// <summary>The error message (SQLSTATE 08P01, as PgBouncer's console); null on success.</summary>
    public string? Error { get; }

    public int RowCount => rows?.Count ?? 0;

    public static AdminReply Done(string tag) => new(tag, null, null, null, null);

    public static AdminReply Failed(string message) => new(null, message, null, null, null);

    public static AdminReply Table(IReadOnlyList<ColumnDescription> columns, List<string?[]> rows, string tag = "SHOW") => new(tag, null, columns, rows, null);

    /// <summary>A NoticeResponse and then CommandComplete (SHOW HELP).</summary>
    public static AdminReply Notice(string message, string detail, string tag) => new(tag, null, null, null, (message, detail));

    /// <summary>For the log: the tag, the number of rows, or the error.</summary>
    public string Outcome => Error ?? (columns is null ? Tag! : $"{RowCount} rows");

    public void WriteTo(IBufferWriter<byte> output)
    {
        if (Error is not null)
        {
            ErrorResponseWriter.Write(output, ErrorSeverity.Error, SqlState.ProtocolViolation, Error);
            return;
        }
        if (notice is { } shown)
        {
            ErrorResponseWriter.WriteNotice(output, shown.Message, shown.Detail);
        }
        if (columns is not null)
        {
            BackendMessages.RowDescription(output, columns);
            foreach (var row in rows!)
            {
                BackendMessages.DataRow(output, row);
            }
        }
        BackendMessages.CommandComplete(output, Tag!);
    }
}
