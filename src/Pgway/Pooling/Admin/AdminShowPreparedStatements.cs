using Pgway.Protocol;

namespace Pgway.Pooling.Admin;

/// <summary>
/// SHOW PREPARED_STATEMENTS: the statements transaction-mode clients prepared, each under the one
/// name it has on every server (PgBouncer 1.18 has no such command; the columns are pgway's).
/// </summary>
internal static class AdminShowPreparedStatements
{
    private static readonly ColumnDescription[] Columns =
        [ColumnDescription.Text("name"), ColumnDescription.Text("query"), ColumnDescription.Int4("references")];

    public static Task<AdminReply> Show(AdminConsole console) =>
        Task.FromResult(AdminReply.Table(Columns,
        [
            .. console.Pooler.Statements.Snapshot()
                .OrderBy(s => s.ServerName.Length).ThenBy(s => s.ServerName, StringComparer.Ordinal)
                .Select(s => new string?[] { s.ServerName, s.Query, s.References.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
        ]));
}
