namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// Whose unnamed prepared statement a server holds now. PostgreSQL keeps the unnamed statement until
/// the next unnamed Parse or simple Query, across Syncs; in transaction mode the next client on the
/// server could otherwise Bind the statement another client parsed. Used by the client holding the
/// server, on its loop.
/// </summary>
internal sealed class UnnamedStatementSlot
{
    /// <summary>The client (its request rewriter) whose unnamed Parse the server has; null when none is known.</summary>
    public object? Owner { get; set; }

    /// <summary>Which of the owner's unnamed Parses it is.</summary>
    public long Generation { get; set; }
}
