namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// What one client's named prepared statements may hold in pgway: how many names, and how many bytes
/// of names and definitions (a definition counted once however many names the client gives it). 0:
/// no limit. A Parse beyond either fails with <c>54000</c> naming the setting.
/// </summary>
/// <param name="MaxNames"><c>pgway_max_client_prepared_statements</c>.</param>
/// <param name="MaxBytes"><c>pgway_max_client_prepared_bytes</c>.</param>
internal readonly record struct ClientStatementLimits(int MaxNames, long MaxBytes)
{
    public static ClientStatementLimits None => default;
}
